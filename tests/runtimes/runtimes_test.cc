// The one Runtime interface on real models: every runtime opens the files of its format and
// describes them with the same TensorSpecs, runs a real photo batch to the same answer as the
// others, splits batch-1 models row by row, times runs; the default and fallback rules.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <fstream>

#include "core/npy.h"
#include "onnx/onnx_importer.h"
#include "runtimes/run_batched.h"
#include "runtimes/runtime.h"
#include "support/test_support.h"
#include "tflite/tflite_importer.h"

namespace mconv::runtimes {
namespace {

std::string model(const std::string& name) {
  return test::shared_models_dir() + "/" + name;
}

// Row r of a batch, as a batch of one.
Tensor row(const Tensor& t, int64_t r) {
  std::vector<int64_t> shape = t.shape();
  const int64_t per = t.element_count() / shape[0];
  shape[0] = 1;
  const std::vector<float> v = t.to_f32();
  return Tensor::FromVector(DType::kF32, shape,
                            std::vector<float>(v.begin() + r * per, v.begin() + (r + 1) * per));
}

float max_abs_diff(const Tensor& a, const Tensor& b) {
  const std::vector<float> x = a.to_f32(), y = b.to_f32();
  EXPECT_EQ(x.size(), y.size());
  float m = 0;
  for (size_t i = 0; i < std::min(x.size(), y.size()); ++i) m = std::max(m, std::fabs(x[i] - y[i]));
  return m;
}

TEST(Runtimes, NamesDefaultsAndTheOneFallbackRule) {
  for (RuntimeKind kind : kAllRuntimeKinds) {
    auto parsed = runtime_from_name(runtime_name(kind));
    ASSERT_TRUE(parsed.ok());
    EXPECT_EQ(*parsed, kind);
  }
  auto unknown = runtime_from_name("onnx");
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.status().message().find("choose ort, tflite, litert or ref"),
            std::string::npos);
  EXPECT_EQ(default_runtime(ModelFormat::kOnnx), RuntimeKind::kOrt);
  EXPECT_EQ(default_runtime(ModelFormat::kTflite), RuntimeKind::kTflite);
  EXPECT_EQ(default_runtime(ModelFormat::kTorch), RuntimeKind::kRef);
  EXPECT_FALSE(check_runs_format(RuntimeKind::kOrt, ModelFormat::kTflite).ok());
  EXPECT_FALSE(check_runs_format(RuntimeKind::kLitert, ModelFormat::kOnnx).ok());
  EXPECT_TRUE(check_runs_format(RuntimeKind::kRef, ModelFormat::kTorch).ok());
  // A runtime the user named never falls back; only bench's own LiteRT column may.
  for (RuntimeKind kind : kAllRuntimeKinds) EXPECT_FALSE(fallback_runtime(kind, true));
  EXPECT_EQ(fallback_runtime(RuntimeKind::kLitert, false), RuntimeKind::kRef);
  EXPECT_FALSE(fallback_runtime(RuntimeKind::kOrt, false));
}

TEST(Runtimes, OrtAndReferenceGiveTorchsOutputThroughOneInterface) {
  const std::string onnx = model("mobilenet_v3_small_op17.onnx");
  MCONV_REQUIRE_SHARED_FILE(onnx);
  auto x = read_npy(model("mobilenet_v3_small_op17.input.npy"));
  auto torch = read_npy(model("mobilenet_v3_small_op17.torch_output.npy"));
  ASSERT_TRUE(x.ok() && torch.ok());
  auto ort = open_runtime(RuntimeKind::kOrt, onnx, ModelFormat::kOnnx, {.threads = 1});
  ASSERT_TRUE(ort.ok()) << ort.status().message();
  auto imported = onnx::import_onnx_file(onnx);
  ASSERT_TRUE(imported.ok()) << imported.status().message();
  auto ref = open_runtime(std::move(*imported), {.threads = 1});
  ASSERT_TRUE(ref.ok()) << ref.status().message();
  // A file runtime refuses the reference interpreter's job, and the other way round.
  EXPECT_FALSE(open_runtime(RuntimeKind::kRef, onnx, ModelFormat::kOnnx).ok());
  EXPECT_FALSE(open_runtime(RuntimeKind::kTflite, onnx, ModelFormat::kOnnx).ok());

  for (Runtime* rt : {ort->get(), ref->get()}) {
    SCOPED_TRACE(std::string(rt->name()));
    ASSERT_EQ(rt->inputs().size(), 1u);
    EXPECT_EQ(spec_type_string(rt->inputs()[0]), "f32[1,3,224,224]");
    EXPECT_EQ(rt->outputs()[0].shape, (std::vector<int64_t>{1, 1000}));
    // The stored input holds 2 photos; the model takes 1: run_batched runs them row by row.
    auto out = run_batched(*rt, {*x});
    ASSERT_TRUE(out.ok()) << out.status().message();
    EXPECT_EQ(out->rows_run_separately, 2);
    EXPECT_LE(max_abs_diff(out->outputs.at(0), *torch), 1e-4f);
    auto timing = rt->time_runs({row(*x, 0)}, 0, 2);
    ASSERT_TRUE(timing.ok()) << timing.status().message();
    EXPECT_EQ(timing->times_ms.size(), 2u);
    EXPECT_GT(timing->first_ms, 0);
  }
  EXPECT_EQ((*ort)->description().rfind("onnxruntime 1.", 0), 0u) << (*ort)->description();
  EXPECT_EQ((*ref)->description(), "mconv reference interpreter");
}

TEST(Runtimes, BatchOneModelRunsRowByRowAndEqualsSingleRuns) {
  const std::string onnx = model("mobilenet_v3_small_op17.onnx");
  MCONV_REQUIRE_SHARED_FILE(onnx);
  auto x = read_npy(model("mobilenet_v3_small_op17.input.npy"));
  ASSERT_TRUE(x.ok());
  ASSERT_EQ(x->dim(0), 2);
  auto ort = open_runtime(RuntimeKind::kOrt, onnx, ModelFormat::kOnnx);
  ASSERT_TRUE(ort.ok());
  EXPECT_FALSE((*ort)->run({*x}).ok()) << "ORT itself takes one row only";
  auto both = run_batched(**ort, {*x});
  ASSERT_TRUE(both.ok()) << both.status().message();
  ASSERT_EQ(both->outputs.at(0).shape(), (std::vector<int64_t>{2, 1000}));
  for (int64_t r = 0; r < 2; ++r) {
    auto single = (*ort)->run({row(*x, r)});
    ASSERT_TRUE(single.ok()) << single.status().message();
    const std::vector<float> all = both->outputs[0].to_f32(), one = single->at(0).to_f32();
    EXPECT_TRUE(std::equal(one.begin(), one.end(), all.begin() + r * 1000)) << "row " << r;
  }
  // A wrong shape is refused with the input named, not split.
  auto bad = run_batched(**ort, {Tensor(DType::kF32, {2, 3, 200, 224})});
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("input '"), std::string::npos) << bad.status().message();
}

TEST(Runtimes, NativeTfliteLiteRtAndReferenceAgreeOnOneTfliteFile) {
  const std::string file = model("keras_mobilenet_v3_small_int8_dynrange.tflite");
  MCONV_REQUIRE_SHARED_FILE(file);
  std::vector<std::unique_ptr<Runtime>> runtimes;
  auto native = open_runtime(RuntimeKind::kTflite, file, ModelFormat::kTflite);
  ASSERT_TRUE(native.ok()) << native.status().message();
  runtimes.push_back(std::move(*native));
  std::string why;
  if (runtime_available(RuntimeKind::kLitert, &why)) {
    auto lite = open_runtime(RuntimeKind::kLitert, file, ModelFormat::kTflite);
    ASSERT_TRUE(lite.ok()) << lite.status().message();
    runtimes.push_back(std::move(*lite));
  } else {
    if (test::in_ci()) FAIL() << "LiteRT missing under CI: " << why;
    std::printf("[ note ] LiteRT not available (%s): checked native TFLite and ref only\n",
                why.c_str());
  }
  auto imported = tflite::import_tflite_file(file);
  ASSERT_TRUE(imported.ok()) << imported.status().message();
  auto ref = open_runtime(std::move(*imported));
  ASSERT_TRUE(ref.ok());
  runtimes.push_back(std::move(*ref));

  // Three deterministic samples in [-1, 1], one batch [3,224,224,3] for every runtime.
  std::vector<float> v(3 * 224 * 224 * 3);
  for (size_t i = 0; i < v.size(); ++i) v[i] = std::sin(0.37f * static_cast<float>(i));
  const Tensor batch = Tensor::FromVector(DType::kF32, {3, 224, 224, 3}, v);
  std::vector<Tensor> outs;
  for (auto& rt : runtimes) {
    SCOPED_TRACE(rt->description());
    // One signature whoever reads it: dynamic batch, NHWC image, 1000 scores.
    EXPECT_EQ(rt->inputs()[0].dtype, DType::kF32);
    EXPECT_EQ(rt->inputs()[0].shape, (std::vector<int64_t>{-1, 224, 224, 3}));
    EXPECT_EQ(rt->outputs()[0].shape, (std::vector<int64_t>{-1, 1000}));
    auto out = run_batched(*rt, {batch});
    ASSERT_TRUE(out.ok()) << out.status().message();
    EXPECT_EQ(out->rows_run_separately, 0);  // the model takes the batch of 3 as it is
    ASSERT_EQ(out->outputs.at(0).shape(), (std::vector<int64_t>{3, 1000}));
    outs.push_back(out->outputs[0]);
  }
  // Softmax outputs of dynamic-range weights (native TFLite quantizes activations on the fly):
  // compared by total variation per row, as tests/tflite_runtime does for this file.
  for (size_t r = 1; r < outs.size(); ++r) {
    const std::vector<float> a = outs[r].to_f32(), b = outs[0].to_f32();
    for (int64_t row = 0; row < 3; ++row) {
      double tv = 0;
      for (int64_t i = 0; i < 1000; ++i) tv += std::fabs(a[row * 1000 + i] - b[row * 1000 + i]);
      EXPECT_LT(tv / 2, 0.5) << runtimes[r]->description() << " row " << row;
    }
  }
}

}  // namespace
}  // namespace mconv::runtimes
