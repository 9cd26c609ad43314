// The LiteRT runtime adapter against the shared real .tflite files: signature, stacked runs in one
// process, timing fields, and the failure paths (missing runtime, bad file, timeouts).
#include "litert/litert.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <random>

#include "core/npy.h"
#include "litert/litert_stream.h"
#include "litert/subprocess.h"
#include "support/test_support.h"

namespace mconv::litert {
namespace {

using test::shared_models_dir;

std::string keras_model() {
  return shared_models_dir() + "/keras_mobilenet_v3_small_int8_dynrange.tflite";
}
std::string uint8_model() {
  return shared_models_dir() + "/atu_v3-small_224_1.0_uint8.tflite";
}

#define REQUIRE_LITERT()                                               \
  do {                                                                 \
    std::string why;                                                   \
    if (!litert_available(&why)) {                                     \
      if (test::in_ci()) FAIL() << "LiteRT missing under CI: " << why; \
      GTEST_SKIP() << why;                                             \
    }                                                                  \
  } while (0)

Tensor random_image(int64_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> pixel(0.f, 255.f);
  Tensor t(DType::kF32, {n, 224, 224, 3});
  float* p = t.data<float>();
  for (int64_t i = 0; i < t.element_count(); ++i) p[i] = pixel(rng);
  return t;
}

Tensor row(const Tensor& t, int64_t r) {
  std::vector<int64_t> shape = t.shape();
  size_t bytes = t.byte_size() / shape[0];
  shape[0] = 1;
  Tensor out(t.dtype(), shape);
  std::copy_n(t.raw() + r * bytes, bytes, out.raw());
  return out;
}

// Sets an environment variable for one scope and restores it afterwards.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const char* value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    ::setenv(name, value, 1);
  }
  ~ScopedEnv() {
    if (old_)
      ::setenv(name_, old_->c_str(), 1);
    else
      ::unsetenv(name_);
  }

 private:
  const char* name_;                // variable name
  std::optional<std::string> old_;  // previous value, if it was set
};

TEST(LiteRtInfo, ReadsFloatAndQuantizedSignatures) {
  REQUIRE_LITERT();
  MCONV_REQUIRE_SHARED_FILE(keras_model());
  auto info = litert_info(keras_model());
  ASSERT_TRUE(info.ok()) << info.status().message();
  ASSERT_EQ(info->inputs.size(), 1u);
  ASSERT_EQ(info->outputs.size(), 1u);
  EXPECT_EQ(info->inputs[0].dtype, DType::kF32);
  // shape_signature: the batch is dynamic.
  EXPECT_EQ(info->inputs[0].shape, (std::vector<int64_t>{-1, 224, 224, 3}));
  EXPECT_EQ(info->outputs[0].shape, (std::vector<int64_t>{-1, 1000}));
  EXPECT_TRUE(info->inputs[0].scale.empty());

  MCONV_REQUIRE_SHARED_FILE(uint8_model());
  auto q = litert_info(uint8_model());
  ASSERT_TRUE(q.ok()) << q.status().message();
  EXPECT_EQ(q->inputs[0].dtype, DType::kU8);
  ASSERT_EQ(q->inputs[0].scale.size(), 1u);
  EXPECT_NEAR(q->inputs[0].scale[0], 1.0 / 127, 1e-6);
  EXPECT_EQ(q->inputs[0].zero_point, (std::vector<int64_t>{128}));
  EXPECT_EQ(q->outputs[0].shape, (std::vector<int64_t>{1, 1001}));
  EXPECT_EQ(q->outputs[0].name, "MobilenetV3/Predictions/Softmax");
}

TEST(LiteRtRun, StackedSamplesMatchSingleRuns) {
  REQUIRE_LITERT();
  MCONV_REQUIRE_SHARED_FILE(keras_model());
  Tensor batch = random_image(3, 7);
  auto stacked = litert_run(keras_model(), {batch});
  ASSERT_TRUE(stacked.ok()) << stacked.status().message();
  ASSERT_EQ(stacked->size(), 1u);
  const Tensor& probs = (*stacked)[0];
  ASSERT_EQ(probs.dtype(), DType::kF32);
  ASSERT_EQ(probs.shape(), (std::vector<int64_t>{3, 1000}));
  // Softmax rows: each sums to 1.
  std::vector<float> v = probs.to_f32();
  for (int r = 0; r < 3; ++r) {
    double sum = 0;
    for (int c = 0; c < 1000; ++c) sum += v[r * 1000 + c];
    EXPECT_NEAR(sum, 1.0, 1e-3) << "row " << r;
  }
  // Different random inputs give different outputs.
  float diff = 0;
  for (int c = 0; c < 1000; ++c) diff = std::max(diff, std::abs(v[c] - v[1000 + c]));
  EXPECT_GT(diff, 1e-4);

  auto single = litert_run(keras_model(), {row(batch, 1)});
  ASSERT_TRUE(single.ok()) << single.status().message();
  ASSERT_EQ((*single)[0].shape(), (std::vector<int64_t>{1, 1000}));
  std::vector<float> s = (*single)[0].to_f32();
  for (int c = 0; c < 1000; ++c) ASSERT_FLOAT_EQ(s[c], v[1000 + c]) << "class " << c;
}

TEST(LiteRtRun, QuantizesFloatInputsAndKeepsUint8Outputs) {
  REQUIRE_LITERT();
  MCONV_REQUIRE_SHARED_FILE(uint8_model());
  Tensor image = random_image(1, 3);
  // The model takes uint8 pixels x/127.5-1; a float input in [-1, 1] is quantized by the runner.
  float* p = image.data<float>();
  for (int64_t i = 0; i < image.element_count(); ++i) p[i] = p[i] / 127.5f - 1.f;
  auto out = litert_run(uint8_model(), {image});
  ASSERT_TRUE(out.ok()) << out.status().message();
  ASSERT_EQ((*out)[0].dtype(), DType::kU8);
  ASSERT_EQ((*out)[0].shape(), (std::vector<int64_t>{1, 1001}));
  int64_t sum = 0;
  for (uint8_t q : (*out)[0].values<uint8_t>()) sum += q;
  EXPECT_NEAR(sum * 0.00390625, 1.0, 0.2);  // quantized softmax still sums to about 1
}

TEST(LiteRtTime, ReportsEveryTimedRunAndPeakRss) {
  REQUIRE_LITERT();
  MCONV_REQUIRE_SHARED_FILE(keras_model());
  auto timing = litert_time(keras_model(), {random_image(1, 1)}, 1, 4);
  ASSERT_TRUE(timing.ok()) << timing.status().message();
  EXPECT_EQ(timing->engine, "litert");
  ASSERT_EQ(timing->times_ms.size(), 4u);
  for (double t : timing->times_ms) EXPECT_GT(t, 0);
  EXPECT_GT(timing->load_ms, 0);
  EXPECT_GT(timing->first_ms, 0);
  EXPECT_GT(timing->peak_rss_bytes, 20 << 20);  // Node + WASM heap + a 2.5 MB model
  EXPECT_GE(timing->process_ms, timing->load_ms);
}

TEST(LiteRtRun, OutputsAndTimingFromOneProcess) {
  REQUIRE_LITERT();
  MCONV_REQUIRE_SHARED_FILE(keras_model());
  Tensor batch = random_image(2, 9);
  LiteRtTiming timing;
  auto out = litert_run(keras_model(), {batch}, {}, &timing, 3, 1);
  ASSERT_TRUE(out.ok()) << out.status().message();
  EXPECT_EQ((*out)[0].shape(), (std::vector<int64_t>{2, 1000}));
  EXPECT_EQ(timing.times_ms.size(), 3u);
  EXPECT_GT(timing.first_ms, 0);
  auto plain = litert_run(keras_model(), {batch});
  ASSERT_TRUE(plain.ok());
  EXPECT_EQ((*plain)[0].bytes(), (*out)[0].bytes());  // timing does not change the outputs
}

TEST(LiteRtJobs, ReportsEachJob) {
  REQUIRE_LITERT();
  MCONV_REQUIRE_SHARED_FILE(keras_model());
  std::string dir = test::make_temp_dir("litert_jobs");
  ASSERT_TRUE(write_npy(dir + "/x.npy", random_image(2, 5)).ok());
  std::string bogus = dir + "/not a model.tflite";
  { std::ofstream(bogus) << "definitely not a flatbuffer"; }
  auto result = litert_run_jobs(
      {{keras_model(), {dir + "/x.npy"}, dir + "/good"}, {bogus, {dir + "/x.npy"}, dir + "/bad"}},
      dir);
  ASSERT_TRUE(result.ok()) << result.status().message();
  EXPECT_NE(result->exit_code, 0);
  ASSERT_EQ(result->job_ok.size(), 2u);
  EXPECT_TRUE(result->job_ok[0]) << result->log;
  EXPECT_FALSE(result->job_ok[1]);
  EXPECT_NE(result->job_message[1].find("TFL3"), std::string::npos) << result->job_message[1];
  EXPECT_TRUE(result->job_timing[0].times_ms.empty());  // not timed unless asked
  auto out = read_npy(dir + "/good.0.npy");
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(out->shape(), (std::vector<int64_t>{2, 1000}));
}

// One process started before the models exist: jobs queued while it runs, each answered in
// order with its outputs (equal to a plain litert_run of the same model) or its own error.
TEST(LiteRtStream, RunsJobsQueuedAfterTheStartAndNamesFailures) {
  REQUIRE_LITERT();
  MCONV_REQUIRE_SHARED_FILE(keras_model());
  std::string dir = test::make_temp_dir("litert_stream");
  auto stream = LiteRtStream::Start();
  ASSERT_TRUE(stream.ok()) << stream.status().message();
  const Tensor x = random_image(3, 11);
  auto input = (*stream)->write_input("x", x);
  ASSERT_TRUE(input.ok()) << input.status().message();
  // The model file appears only after the start, as in `mconv convert -o DIR`.
  const std::string model = dir + "/late.tflite";
  std::filesystem::copy_file(keras_model(), model);
  std::string bogus = dir + "/not a model.tflite";
  { std::ofstream(bogus) << "definitely not a flatbuffer"; }
  auto good = (*stream)->add(model, {*input});
  auto bad = (*stream)->add(bogus, {*input});
  ASSERT_TRUE(good.ok() && bad.ok());
  EXPECT_EQ(*good, 0u);
  EXPECT_EQ(*bad, 1u);
  auto results = (*stream)->finish();
  ASSERT_EQ(results.size(), 2u);
  ASSERT_TRUE(results[0].ok()) << results[0].status().message();
  ASSERT_EQ(results[0]->size(), 1u);
  EXPECT_EQ(results[0]->at(0).shape(), (std::vector<int64_t>{3, 1000}));
  auto plain = litert_run(keras_model(), {x});
  ASSERT_TRUE(plain.ok()) << plain.status().message();
  EXPECT_EQ(plain->at(0).to_f32(), results[0]->at(0).to_f32());
  ASSERT_FALSE(results[1].ok());
  EXPECT_NE(results[1].status().message().find("TFL3"), std::string::npos)
      << results[1].status().message();
  EXPECT_FALSE((*stream)->add(model, {*input}).ok()) << "a finished stream takes no more jobs";
}

TEST(LiteRtJobs, TimesEveryJobWhenAsked) {
  REQUIRE_LITERT();
  MCONV_REQUIRE_SHARED_FILE(keras_model());
  MCONV_REQUIRE_SHARED_FILE(uint8_model());
  std::string dir = test::make_temp_dir("litert_jobs_timed");
  ASSERT_TRUE(write_npy(dir + "/x.npy", random_image(1, 5)).ok());
  auto result = litert_run_jobs({{keras_model(), {dir + "/x.npy"}, dir + "/a"},
                                 {uint8_model(), {dir + "/x.npy"}, dir + "/b"}},
                                dir, {}, 2, 1);
  ASSERT_TRUE(result.ok()) << result.status().message();
  EXPECT_EQ(result->exit_code, 0) << result->log;
  for (int k = 0; k < 2; ++k) {
    EXPECT_TRUE(result->job_ok[k]) << result->job_message[k];
    EXPECT_EQ(result->job_timing[k].times_ms.size(), 2u);
    EXPECT_GT(result->job_timing[k].load_ms, 0);
    EXPECT_EQ(result->job_timing[k].engine, "litert");
  }
}

TEST(LiteRtRun, BadFileIsAOneLineError) {
  REQUIRE_LITERT();
  std::string dir = test::make_temp_dir("litert_bad");
  std::string path = dir + "/it's \"odd\".tflite";  // quotes must survive (no shell involved)
  { std::ofstream(path) << "garbage"; }
  auto out = litert_run(path, {random_image(1, 1)});
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().message().find('\n'), std::string::npos) << out.status().message();
  EXPECT_NE(out.status().message().find(path), std::string::npos) << out.status().message();
}

TEST(LiteRtLocate, MissingPackagesAreAStatusNotACrash) {
  ScopedEnv home("MCONV_LITERT_HOME", "/nonexistent/litert-home");
  std::string why;
  EXPECT_FALSE(litert_available(&why));
  EXPECT_NE(why.find("/nonexistent/litert-home"), std::string::npos) << why;
  auto out = litert_run("/whatever.tflite", {});
  ASSERT_FALSE(out.ok());
  EXPECT_NE(out.status().message().find("not found"), std::string::npos);
  auto info = litert_info("/whatever.tflite");
  EXPECT_FALSE(info.ok());
}

TEST(LiteRtLocate, MissingNodeIsReported) {
  ScopedEnv node("MCONV_NODE", "/nonexistent/node");
  std::string why;
  EXPECT_FALSE(litert_available(&why));
  EXPECT_NE(why.find("Node.js not found"), std::string::npos) << why;
}

TEST(Subprocess, PassesArgumentsVerbatimAndSplitsStreams) {
  auto result = run_process(
      {"/bin/sh", "-c", "printf '%s' \"$1\"; echo oops >&2; exit 3", "sh", "a b'c\"$HOME"},
      {.env = {{"MCONV_TEST_VAR", "x"}}});
  ASSERT_TRUE(result.ok()) << result.status().message();
  EXPECT_EQ(result->out, "a b'c\"$HOME");
  EXPECT_EQ(result->err, "oops\n");
  EXPECT_EQ(result->exit_code, 3);
  EXPECT_FALSE(result->timed_out);
  auto env = run_process({"/bin/sh", "-c", "printf '%s' \"$MCONV_TEST_VAR\""},
                         {.env = {{"MCONV_TEST_VAR", "set here"}}});
  ASSERT_TRUE(env.ok());
  EXPECT_EQ(env->out, "set here");
}

TEST(Subprocess, KillsAChildThatOverrunsItsTimeout) {
  auto result = run_process({"/bin/sleep", "30"}, {.timeout_seconds = 0.3});
  ASSERT_TRUE(result.ok()) << result.status().message();
  EXPECT_TRUE(result->timed_out);
  EXPECT_EQ(result->exit_code, 128 + 9);
}

TEST(Subprocess, MissingExecutableIsAnError) {
  auto result = run_process({"/nonexistent/program"});
  EXPECT_FALSE(result.ok());
  EXPECT_EQ(find_in_path("surely-no-such-program-mconv"), "");
  EXPECT_NE(find_in_path("sh"), "");
}

}  // namespace
}  // namespace mconv::litert
