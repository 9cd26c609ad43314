#include "ort/ort_session.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <thread>

#include "core/file_io.h"
#include "core/npy.h"
#include "support/test_support.h"

namespace mconv::ort {
namespace {

std::string model_path(const std::string& stem) {
  return test::shared_models_dir() + "/" + stem + ".onnx";
}
std::string npy_path(const std::string& stem, const std::string& kind) {
  return test::shared_models_dir() + "/" + stem + "." + kind + ".npy";
}

// Rows [begin, begin+count) of a tensor along axis 0.
Tensor rows(const Tensor& t, int64_t begin, int64_t count) {
  std::vector<int64_t> shape = t.shape();
  size_t row_bytes = t.byte_size() / static_cast<size_t>(shape[0]);
  shape[0] = count;
  Tensor out(t.dtype(), shape);
  std::memcpy(out.raw(), t.raw() + begin * row_bytes, count * row_bytes);
  return out;
}

void expect_close(const Tensor& actual, const Tensor& expected, float tolerance) {
  ASSERT_EQ(actual.shape(), expected.shape());
  auto a = actual.to_f32();
  auto e = expected.to_f32();
  float worst = 0;
  for (size_t i = 0; i < a.size(); ++i) worst = std::max(worst, std::fabs(a[i] - e[i]));
  EXPECT_LE(worst, tolerance);
  // Random-weight logits are not all alike: a constant output would mean a broken run.
  EXPECT_NE(*std::min_element(a.begin(), a.end()), *std::max_element(a.begin(), a.end()));
}

TEST(OrtSession, ReportsStaticSignature) {
  std::string path = model_path("mobilenet_v3_small_op17");
  MCONV_REQUIRE_SHARED_FILE(path);
  auto session = OrtSession::Load(path);
  ASSERT_TRUE(session.ok()) << session.status().message();
  const auto& ins = (*session)->inputs();
  const auto& outs = (*session)->outputs();
  ASSERT_EQ(ins.size(), 1u);
  ASSERT_EQ(outs.size(), 1u);
  EXPECT_FALSE(ins[0].name.empty());
  EXPECT_EQ(ins[0].dtype, DType::kF32);
  EXPECT_EQ(ins[0].shape, (std::vector<int64_t>{1, 3, 224, 224}));
  EXPECT_EQ(outs[0].dtype, DType::kF32);
  EXPECT_EQ(outs[0].shape, (std::vector<int64_t>{1, 1000}));
  EXPECT_EQ(spec_type_string(ins[0]), "f32[1,3,224,224]");
}

TEST(OrtSession, ReportsSymbolicBatchDim) {
  std::string path = model_path("mobilenet_v3_small_op17_dynbatch");
  MCONV_REQUIRE_SHARED_FILE(path);
  auto session = OrtSession::Load(path);
  ASSERT_TRUE(session.ok()) << session.status().message();
  const auto& in = (*session)->inputs().at(0);
  EXPECT_EQ(in.shape, (std::vector<int64_t>{-1, 3, 224, 224}));
  ASSERT_EQ(in.dim_names.size(), 4u);
  EXPECT_EQ(in.dim_names[0], "batch");
  EXPECT_EQ(spec_type_string(in), "f32[batch,3,224,224]");
}

TEST(OrtSession, MatchesTorchOnStoredInput) {
  std::string stem = "mobilenet_v3_small_op17";
  MCONV_REQUIRE_SHARED_FILE(model_path(stem));
  auto input = read_npy(npy_path(stem, "input"));
  auto expected = read_npy(npy_path(stem, "torch_output"));
  ASSERT_TRUE(input.ok()) << input.status().message();
  ASSERT_TRUE(expected.ok()) << expected.status().message();
  auto session = OrtSession::Load(model_path(stem), {.threads = 2});
  ASSERT_TRUE(session.ok()) << session.status().message();
  for (int64_t row = 0; row < 2; ++row) {
    auto out = (*session)->run({rows(*input, row, 1)});
    ASSERT_TRUE(out.ok()) << out.status().message();
    ASSERT_EQ(out->size(), 1u);
    expect_close(out->at(0), rows(*expected, row, 1), 1e-4f);
  }
}

TEST(OrtSession, LoadsFromBytesWithoutOptimizations) {
  std::string stem = "mobilenet_v3_small_op17";
  MCONV_REQUIRE_SHARED_FILE(model_path(stem));
  auto bytes = read_file_bytes(model_path(stem));
  ASSERT_TRUE(bytes.ok());
  auto session = OrtSession::LoadBytes(*bytes, {.threads = 1, .enable_optimizations = false});
  ASSERT_TRUE(session.ok()) << session.status().message();
  auto input = read_npy(npy_path(stem, "input"));
  auto expected = read_npy(npy_path(stem, "torch_output"));
  ASSERT_TRUE(input.ok() && expected.ok());
  auto out = (*session)->run({rows(*input, 0, 1)});
  ASSERT_TRUE(out.ok()) << out.status().message();
  expect_close(out->at(0), rows(*expected, 0, 1), 1e-4f);
}

TEST(OrtSession, DynamicBatchRunsTwoRowsAtOnce) {
  std::string stem = "mobilenet_v3_small_op17_dynbatch";
  MCONV_REQUIRE_SHARED_FILE(model_path(stem));
  auto input = read_npy(npy_path(stem, "input"));
  auto expected = read_npy(npy_path(stem, "torch_output"));
  ASSERT_TRUE(input.ok() && expected.ok());
  ASSERT_EQ(input->dim(0), 2);
  auto session = OrtSession::Load(model_path(stem));
  ASSERT_TRUE(session.ok()) << session.status().message();
  auto out = (*session)->run({*input});
  ASSERT_TRUE(out.ok()) << out.status().message();
  EXPECT_EQ(out->at(0).shape(), (std::vector<int64_t>{2, 1000}));
  expect_close(out->at(0), *expected, 1e-4f);
}

TEST(OrtSession, RejectsWrongInputs) {
  std::string path = model_path("mobilenet_v3_small_op17");
  MCONV_REQUIRE_SHARED_FILE(path);
  auto session = OrtSession::Load(path);
  ASSERT_TRUE(session.ok()) << session.status().message();
  OrtSession& s = **session;

  auto batch2 = s.run({Tensor(DType::kF32, {2, 3, 224, 224})});
  ASSERT_FALSE(batch2.ok());
  EXPECT_NE(batch2.status().message().find("wrong size of dim 0"), std::string::npos)
      << batch2.status().message();
  EXPECT_NE(batch2.status().message().find("f32[2,3,224,224]"), std::string::npos);

  auto rank3 = s.run({Tensor(DType::kF32, {3, 224, 224})});
  ASSERT_FALSE(rank3.ok());
  EXPECT_NE(rank3.status().message().find("wrong rank"), std::string::npos);

  auto f16 = s.run({Tensor(DType::kF16, {1, 3, 224, 224})});
  ASSERT_FALSE(f16.ok());
  EXPECT_NE(f16.status().message().find("wrong element type"), std::string::npos);

  auto none = s.run({});
  ASSERT_FALSE(none.ok());
  EXPECT_NE(none.status().message().find("1 input(s), got 0"), std::string::npos);

  // The session stays usable after rejected calls.
  EXPECT_TRUE(s.run({Tensor(DType::kF32, {1, 3, 224, 224})}).ok());
}

TEST(OrtSession, GarbageBytesFailWithOneLineError) {
  std::mt19937 rng(7);
  std::vector<uint8_t> junk(4096);
  for (auto& b : junk) b = static_cast<uint8_t>(rng());
  auto session = OrtSession::LoadBytes(junk);
  ASSERT_FALSE(session.ok());
  EXPECT_EQ(session.status().message().find('\n'), std::string::npos);
  EXPECT_FALSE(session.status().message().empty());

  EXPECT_FALSE(OrtSession::LoadBytes({}).ok());
}

TEST(OrtSession, TruncatedModelAndMissingFileFail) {
  std::string path = model_path("mobilenet_v3_small_op17");
  MCONV_REQUIRE_SHARED_FILE(path);
  auto bytes = read_file_bytes(path);
  ASSERT_TRUE(bytes.ok());
  bytes->resize(1000);
  EXPECT_FALSE(OrtSession::LoadBytes(*bytes).ok());

  auto missing = OrtSession::Load(test::make_temp_dir("ort") + "/nope.onnx");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().message(), "no such file");
  EXPECT_FALSE(OrtSession::Load(path, {.threads = 0}).ok());
}

TEST(OrtSession, ConcurrentFirstLoadsShareOneEnvironment) {
  std::string path = model_path("mobilenet_v3_small_op17");
  MCONV_REQUIRE_SHARED_FILE(path);
  bool ok[2] = {false, false};
  std::thread a([&] { ok[0] = OrtSession::Load(path).ok(); });
  std::thread b([&] { ok[1] = OrtSession::Load(path).ok(); });
  a.join();
  b.join();
  EXPECT_TRUE(ok[0]);
  EXPECT_TRUE(ok[1]);
  EXPECT_NE(onnxruntime_version(), "unknown");
}

}  // namespace
}  // namespace mconv::ort
