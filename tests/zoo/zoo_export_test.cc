// The zoo graph goes through mconv's exporters and runs in the real runtimes with the outputs the
// reference interpreter gives: ONNX in ONNX Runtime, TFLite (BatchNorm folded, NHWC) in LiteRT.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>

#include "core/file_io.h"
#include "litert/litert.h"
#include "onnx/onnx_exporter.h"
#include "ort/ort_session.h"
#include "runtime/interpreter.h"
#include "support/test_support.h"
#include "support/test_tensors.h"
#include "tflite/tflite_exporter.h"
#include "zoo/zoo.h"

namespace mconv::zoo {
namespace {

Tensor random_nchw(int64_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> normal;
  Tensor t(DType::kF32, {n, 3, 224, 224});
  for (int64_t i = 0; i < t.element_count(); ++i) t.data<float>()[i] = normal(rng);
  return t;
}

using test::nchw_to_nhwc;
using test::relative_diff;

int argmax_row(const std::vector<float>& v, int row) {
  auto begin = v.begin() + row * 1000;
  return static_cast<int>(std::max_element(begin, begin + 1000) - begin);
}

class ZooExport : public ::testing::Test {
 protected:
  void SetUp() override {
    auto built = build_zoo_model("mobilenet_v3_small", {.seed = 11});
    ASSERT_TRUE(built.ok()) << built.status().message();
    model_ = std::make_unique<ir::Model>(std::move(*built));
    auto interpreter = runtime::Interpreter::Create(model_->graph);
    ASSERT_TRUE(interpreter.ok()) << interpreter.status().message();
    input_ = random_nchw(1, 21);
    auto out = (*interpreter)->run({input_});
    ASSERT_TRUE(out.ok()) << out.status().message();
    expected_ = (*out)[0].to_f32();
  }
  std::unique_ptr<ir::Model> model_;  // the zoo model
  Tensor input_;                      // one NCHW sample
  std::vector<float> expected_;       // the interpreter's logits for it
};

TEST_F(ZooExport, OnnxRunsInOnnxRuntimeWithTheInterpretersOutputs) {
  auto bytes = onnx::export_onnx(model_->graph);
  ASSERT_TRUE(bytes.ok()) << bytes.status().message();
  auto session = ort::OrtSession::LoadBytes(*bytes);
  ASSERT_TRUE(session.ok()) << session.status().message();
  auto out = (*session)->run({input_});
  ASSERT_TRUE(out.ok()) << out.status().message();
  std::vector<float> got = (*out)[0].to_f32();
  EXPECT_LT(relative_diff(got, expected_), 1e-4);
  EXPECT_EQ(argmax_row(got, 0), argmax_row(expected_, 0));
}

TEST_F(ZooExport, TfliteRunsInLiteRtWithTheInterpretersOutputs) {
  std::string why;
  if (!litert::litert_available(&why)) {
    if (test::in_ci()) FAIL() << why;
    GTEST_SKIP() << why;
  }
  auto bytes = tflite::export_tflite(model_->graph);
  ASSERT_TRUE(bytes.ok()) << bytes.status().message();
  const std::string path = test::make_temp_dir("zoo_tflite") + "/zoo.tflite";
  ASSERT_TRUE(write_file_atomic(path, *bytes).ok());
  auto info = litert::litert_info(path);
  ASSERT_TRUE(info.ok()) << info.status().message();
  EXPECT_EQ(info->inputs[0].shape, (std::vector<int64_t>{1, 224, 224, 3}));
  auto out = litert::litert_run(path, {nchw_to_nhwc(input_)});
  ASSERT_TRUE(out.ok()) << out.status().message();
  std::vector<float> got = (*out)[0].to_f32();
  EXPECT_LT(relative_diff(got, expected_), 1e-3);
  EXPECT_EQ(argmax_row(got, 0), argmax_row(expected_, 0));
}

}  // namespace
}  // namespace mconv::zoo
