// End to end on the real models: calibrate on real photos, quantize to QDQ and compare with FP32.
//  - torchvision MobileNetV3-Small (ONNX, random weights): the QDQ model is exported to ONNX,
//    passes the full checker and runs in ONNX Runtime, whose QDQ fusions turn it into integer
//    kernels; compared with the FP32 model in ONNX Runtime.
//  - Keras MobileNetV3-Small (TFLite, real ImageNet weights): made NCHW by rewrite_for_nchw,
//    quantized with the whole PTQ flow (ptq.h) and run in ONNX Runtime; top-1 against the
//    labels.
// Thresholds are measured values with a margin (see the numbers printed by each test).
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "data/dataset.h"
#include "data/preprocess.h"
#include "onnx/onnx_exporter.h"
#include "onnx/onnx_importer.h"
#include "ort/ort_session.h"
#include "passes/rewrite_for_nchw.h"
#include "quant/calibration.h"
#include "quant/ptq.h"
#include "quant/quantize_qdq.h"
#include "runtime/interpreter.h"
#include "support/test_tensors.h"
#include "support/test_support.h"
#include "tflite/tflite_importer.h"

namespace mconv::quant {
namespace {

using mconv::test::argmax;
using mconv::test::batch_row;

double cosine(const std::vector<float>& a, const std::vector<float>& b) {
  double dot = 0, na = 0, nb = 0;
  for (size_t i = 0; i < a.size(); ++i) dot += a[i] * b[i], na += a[i] * a[i], nb += b[i] * b[i];
  return dot / std::sqrt(na * nb + 1e-30);
}

// Images [offset, offset + count) of the shared folder, preprocessed.
Expected<Tensor> load_images(size_t offset, size_t count, const Preprocess& preprocess,
                             std::vector<int>* labels = nullptr) {
  MCONV_ASSIGN_OR_RETURN(std::vector<LabeledImage> all,
                         list_image_folder(test::shared_images_dir()));
  MCONV_ASSIGN_OR_RETURN(std::vector<LabeledImage> some, select_images(all, offset, count));
  if (labels) *labels = image_labels(some);
  return load_image_batch(some, preprocess, 2);
}

// Agreement and output similarity of a quantized model against the FP32 one.
struct Comparison {
  int agree = 0;        // items with the same top-1 class
  double mean_cos = 0;  // mean cosine similarity of the outputs
  double min_cos = 1;   // worst cosine similarity
};

class TorchvisionQdq : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = test::shared_models_dir() + "/mobilenet_v3_small_op17.onnx";
    MCONV_REQUIRE_SHARED_FILE(path_);
    MCONV_REQUIRE_SHARED_FILE(test::shared_images_dir() + "/labels.csv");
    auto model = onnx::import_onnx_file(path_);
    ASSERT_TRUE(model.ok()) << model.status().message();
    fp32_ = std::move(model->graph);
    ASSERT_TRUE(prepare_for_quantization(fp32_).ok());
    const Preprocess pre = make_preprocess(PreprocessPreset::kTorch, ImageLayout::kNCHW);
    auto calib_images = load_images(0, 16, pre);
    ASSERT_TRUE(calib_images.ok()) << calib_images.status().message();
    auto calib = calibrate(fp32_, calibration_source_from_batch(*calib_images, 1), {.threads = 2});
    ASSERT_TRUE(calib.ok()) << calib.status().message();
    calibration_ = std::move(calib).value();
    auto eval = load_images(100, 32, pre);
    ASSERT_TRUE(eval.ok()) << eval.status().message();
    eval_ = std::move(eval).value();
    auto fp32_bytes = onnx::export_onnx(fp32_);
    ASSERT_TRUE(fp32_bytes.ok()) << fp32_bytes.status().message();
    auto session = ort::OrtSession::LoadBytes(*fp32_bytes);
    ASSERT_TRUE(session.ok()) << session.status().message();
    for (int64_t i = 0; i < eval_.dim(0); ++i) {
      auto out = (*session)->run({batch_row(eval_, i)});
      ASSERT_TRUE(out.ok()) << out.status().message();
      reference_.push_back((*out)[0].to_f32());
    }
  }

  // Quantizes, exports, checks and runs the model in ONNX Runtime.
  void compare(const QuantizeOptions& options, Comparison* result) {
    auto qdq = quantize_to_qdq(fp32_, calibration_, options);
    ASSERT_TRUE(qdq.ok()) << qdq.status().message();
    auto bytes = onnx::export_onnx(*qdq);
    ASSERT_TRUE(bytes.ok()) << bytes.status().message();
    ASSERT_TRUE(onnx::check_onnx_bytes(*bytes).ok());
    auto session = ort::OrtSession::LoadBytes(*bytes);
    ASSERT_TRUE(session.ok()) << session.status().message();
    EXPECT_EQ((*session)->inputs()[0].dtype, DType::kF32);
    EXPECT_EQ((*session)->outputs()[0].dtype, DType::kF32);
    double sum = 0;
    for (int64_t i = 0; i < eval_.dim(0); ++i) {
      auto out = (*session)->run({batch_row(eval_, i)});
      ASSERT_TRUE(out.ok()) << out.status().message();
      const std::vector<float> q = (*out)[0].to_f32();
      const double c = cosine(q, reference_[i]);
      sum += c;
      result->min_cos = std::min(result->min_cos, c);
      result->agree += argmax(q) == argmax(reference_[i]);
    }
    result->mean_cos = sum / static_cast<double>(eval_.dim(0));
    std::printf("[ %s, %s activations ] top-1 agreement %d/%ld, cosine mean %.4f min %.4f\n",
                std::string(range_method_name(options.activation_range.method)).c_str(),
                std::string(dtype_name(options.activation_type)).c_str(), result->agree,
                static_cast<long>(eval_.dim(0)), result->mean_cos, result->min_cos);
  }

  std::string path_;
  ir::Graph fp32_;
  CalibrationResult calibration_;
  Tensor eval_;
  std::vector<std::vector<float>> reference_;  // FP32 outputs from ONNX Runtime
};

TEST_F(TorchvisionQdq, Int8QdqRunsInOnnxRuntimeCloseToFp32) {
  // Random weights give flat logits, so top-1 flips easily; cosine is the sturdier measure.
  // Measured: agreement 22/32, cosine mean 0.977, min 0.789.
  Comparison c;
  compare(QuantizeOptions{}, &c);
  EXPECT_GT(c.mean_cos, 0.96);
  EXPECT_GT(c.min_cos, 0.7);
  EXPECT_GE(c.agree, 18);
}

TEST_F(TorchvisionQdq, Uint8ActivationsForOnnxRuntime) {
  QuantizeOptions options;
  options.activation_type = DType::kU8;
  options.activation_range.method = RangeMethod::kMse;
  // Measured: agreement 24/32, cosine mean 0.990, min 0.939.
  Comparison c;
  compare(options, &c);
  EXPECT_GT(c.mean_cos, 0.98);
  EXPECT_GT(c.min_cos, 0.9);
  EXPECT_GE(c.agree, 20);
}

// Keras MobileNetV3-Small, the model that breaks naive quantizers: NCHW for ONNX, the full PTQ
// flow with channel splitting asked for (off by default since it costs speed), uint8 activations
// so that ONNX Runtime fuses every group.
TEST(KerasQdq, TopOneOnRealImagesInOnnxRuntime) {
  const std::string path =
      test::shared_models_dir() + "/keras_mobilenet_v3_small_int8_dynrange.tflite";
  MCONV_REQUIRE_SHARED_FILE(path);
  MCONV_REQUIRE_SHARED_FILE(test::shared_images_dir() + "/labels.csv");
  auto model = tflite::import_tflite_file(path);
  ASSERT_TRUE(model.ok()) << model.status().message();
  ir::Graph fp32 = std::move(model->graph);
  ASSERT_TRUE(passes::rewrite_for_nchw(fp32).ok());  // the input stays NHWC (one Transpose)
  const Preprocess pre = make_preprocess(PreprocessPreset::kKeras, ImageLayout::kNHWC);
  auto calib_images = load_images(0, 32, pre);
  ASSERT_TRUE(calib_images.ok()) << calib_images.status().message();
  PtqOptions options;
  options.calibration.threads = 2;
  options.quantize.activation_type = DType::kU8;
  options.split.max_groups = 6;
  auto ptq = quantize_post_training(fp32, calibration_source_from_batch(*calib_images, 8), options);
  ASSERT_TRUE(ptq.ok()) << ptq.status().message();
  EXPECT_GT(ptq->chains_split, 5);
  // Every float op reads dequantized values (or a fused pre-activation): integer end to end.
  for (const auto& n : ptq->qdq.nodes()) {
    if (n->op == ir::OpType::kQuantizeLinear) continue;
    for (const ir::Value* in : n->inputs) {
      if (!in || in->is_constant() || in->dtype != DType::kF32) continue;
      const bool from_dq = in->producer && in->producer->op == ir::OpType::kDequantizeLinear;
      const bool fused_pre_activation = n->op == ir::OpType::kRelu || n->op == ir::OpType::kClip;
      EXPECT_TRUE(from_dq || fused_pre_activation) << n->name << " reads float " << in->name;
    }
  }
  auto fp32_bytes = onnx::export_onnx(ptq->fp32);
  auto qdq_bytes = onnx::export_onnx(ptq->qdq);
  ASSERT_TRUE(fp32_bytes.ok()) << fp32_bytes.status().message();
  ASSERT_TRUE(qdq_bytes.ok()) << qdq_bytes.status().message();
  ASSERT_TRUE(onnx::check_onnx_bytes(*qdq_bytes).ok());
  auto fp = ort::OrtSession::LoadBytes(*fp32_bytes);
  auto q = ort::OrtSession::LoadBytes(*qdq_bytes);
  ASSERT_TRUE(fp.ok() && q.ok());

  std::vector<int> labels;
  auto eval = load_images(100, 96, pre, &labels);
  ASSERT_TRUE(eval.ok()) << eval.status().message();
  int fp_correct = 0, q_correct = 0, agree = 0;
  for (int64_t i = 0; i < eval->dim(0); ++i) {
    auto a = (*fp)->run({batch_row(*eval, i)});
    auto b = (*q)->run({batch_row(*eval, i)});
    ASSERT_TRUE(a.ok() && b.ok());
    const int64_t fa = argmax((*a)[0].to_f32()), qa = argmax((*b)[0].to_f32());
    fp_correct += fa == labels[i];
    q_correct += qa == labels[i];
    agree += fa == qa;
  }
  std::printf(
      "[ Keras MobileNetV3-Small, %d chains split, 96 images ] FP32 top-1 %d, "
      "int8 QDQ (ONNX Runtime) top-1 %d, agreement %d\n",
      ptq->chains_split, fp_correct, q_correct, agree);
  // Measured: FP32 82/96, int8 79/96, agreement 91/96 (10 chains split).
  EXPECT_GE(fp_correct, 76);
  EXPECT_GE(q_correct, fp_correct - 6);
  EXPECT_GE(agree, 86);
}

}  // namespace
}  // namespace mconv::quant
