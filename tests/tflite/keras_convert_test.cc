// Acceptance tests of `mconv convert` on the real Keras MobileNetV3-Small (ImageNet weights,
// dynamic-range .tflite): the built binary converts it to an FP32 .tflite and an FP32 .onnx, and
// the two are checked on ALL 500 shared photos (keras preprocessing: RGB, shorter side 256
// bilinear, centre crop 224, float 0..255, NHWC) against
//   - each other: LiteRT on the .tflite vs ONNX Runtime on the .onnx, within 1e-4 relative;
//   - LiteRT on the ORIGINAL dynamic-range file: top-1 agreement, and top-1/top-5 accuracy
//     against labels.csv (see Top1AgainstTheOriginalDynamicRangeFileAndLabels for the bounds);
//   - the reference interpreter (`mconv run --runtime ref`) on the .tflite, on a few photos.
// The images go into one .npy and one LiteRT process runs both .tflite files; one ORT session
// runs the .onnx. Measured agreement and accuracy are printed to the test log.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "core/npy.h"
#include "core/tensor.h"
#include "data/dataset.h"
#include "data/preprocess.h"
#include "litert_runner.h"
#include "onnx/onnx_importer.h"
#include "ort/ort_session.h"
#include "support/test_support.h"

namespace {

using mconv::DType;
using mconv::Tensor;

constexpr int64_t kClasses = 1000;

std::string keras_model() {
  return mconv::test::shared_models_dir() + "/keras_mobilenet_v3_small_int8_dynrange.tflite";
}

// Rows [begin, end) of a [N, ...] float tensor.
Tensor rows(const Tensor& t, int64_t begin, int64_t end) {
  std::vector<int64_t> shape = t.shape();
  const int64_t row = t.element_count() / shape[0];
  shape[0] = end - begin;
  const float* data = t.data<float>();
  return Tensor::FromVector(DType::kF32, shape,
                            std::vector<float>(data + begin * row, data + end * row));
}

std::vector<int> argmax_rows(const Tensor& t) {
  std::vector<int> top;
  const float* data = t.data<float>();
  for (int64_t r = 0; r < t.dim(0); ++r)
    top.push_back(static_cast<int>(
        std::max_element(data + r * kClasses, data + (r + 1) * kClasses) - (data + r * kClasses)));
  return top;
}

double fraction_equal(const std::vector<int>& a, const std::vector<int>& b) {
  int64_t same = 0;
  for (size_t i = 0; i < a.size(); ++i) same += a[i] == b[i];
  return a.empty() ? 0.0 : static_cast<double>(same) / static_cast<double>(a.size());
}

// Fraction of rows whose label is among the 5 largest scores.
double top5_accuracy(const Tensor& scores, const std::vector<int>& labels) {
  const float* data = scores.data<float>();
  int64_t hits = 0;
  for (size_t r = 0; r < labels.size(); ++r) {
    const float* row = data + static_cast<int64_t>(r) * kClasses;
    const float mine = labels[r] >= 0 ? row[labels[r]] : -1e30f;
    hits +=
        labels[r] >= 0 && std::count_if(row, row + kClasses, [&](float v) { return v > mine; }) < 5;
  }
  return labels.empty() ? 0.0 : static_cast<double>(hits) / static_cast<double>(labels.size());
}

// Everything the tests compare, computed once: conversions, images, LiteRT and ORT outputs.
struct KerasRun {
  std::string dir;             // scratch directory of this run
  std::string fp32_tflite;     // mconv convert keras.tflite -o ...tflite
  std::string fp32_onnx;       // mconv convert keras.tflite -o ...onnx
  std::string images_npy;      // all photos, [N,224,224,3]
  std::vector<int> labels;     // ImageNet class per photo
  Tensor images;               // the same as a tensor
  Tensor original;             // LiteRT on the dynamic-range file, [N,1000]
  Tensor litert_fp32;          // LiteRT on the converted .tflite
  Tensor ort_fp32;             // ONNX Runtime on the converted .onnx
  std::string convert_output;  // what the two convert commands printed
};

class KerasConvert : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (!std::filesystem::exists(keras_model()) ||
        !std::filesystem::exists(mconv::test::shared_images_dir() + "/labels.csv") ||
        !mconv::test::litert_installed())
      return;  // each test reports the missing piece
    auto run = std::make_unique<KerasRun>();
    if (std::string error = compute(*run); !error.empty()) {
      setup_error_ = new std::string(error);
      return;
    }
    run_ = run.release();
  }
  static void TearDownTestSuite() {
    delete run_;
    run_ = nullptr;
    delete setup_error_;
    setup_error_ = nullptr;
  }

  void SetUp() override {
    MCONV_REQUIRE_SHARED_FILE(keras_model());
    MCONV_REQUIRE_SHARED_FILE(mconv::test::shared_images_dir() + "/labels.csv");
    MCONV_REQUIRE_LITERT();
    ASSERT_EQ(setup_error_, nullptr) << *setup_error_;
    ASSERT_NE(run_, nullptr);
  }

  // Returns "" on success, else what went wrong.
  static std::string compute(KerasRun& run) {
    run.dir = mconv::test::make_temp_dir("keras_convert");
    run.fp32_tflite = run.dir + "/keras_fp32.tflite";
    run.fp32_onnx = run.dir + "/keras_fp32.onnx";
    for (const std::string& out : {run.fp32_tflite, run.fp32_onnx}) {
      const auto r = mconv::test::run_command("'" + mconv::test::mconv_binary() + "' convert '" +
                                              keras_model() + "' -o '" + out + "'");
      run.convert_output += r.output;
      if (r.exit_code != 0) return "convert to " + out + " failed: " + r.output;
    }

    auto images = mconv::list_image_folder(mconv::test::shared_images_dir());
    if (!images.ok()) return images.status().message();
    run.labels = mconv::image_labels(*images);
    const mconv::Preprocess keras =
        mconv::make_preprocess(mconv::PreprocessPreset::kKeras, mconv::ImageLayout::kNHWC, 224);
    auto batch = mconv::load_image_batch(*images, keras, 2);
    if (!batch.ok()) return batch.status().message();
    run.images = std::move(*batch);
    run.images_npy = run.dir + "/images.npy";
    if (auto s = mconv::write_npy(run.images_npy, run.images); !s.ok()) return s.message();

    // One LiteRT process, two jobs: the original file and the converted one, same .npy.
    const auto litert =
        mconv::test::run_litert_batch({{keras_model(), {run.images_npy}, run.dir + "/original"},
                                       {run.fp32_tflite, {run.images_npy}, run.dir + "/fp32"}},
                                      run.dir);
    if (litert.exit_code != 0) return "LiteRT failed: " + litert.log;
    auto original = mconv::read_npy(run.dir + "/original.0.npy");
    auto fp32 = mconv::read_npy(run.dir + "/fp32.0.npy");
    if (!original.ok() || !fp32.ok()) return "LiteRT outputs missing: " + litert.log;
    run.original = std::move(*original);
    run.litert_fp32 = std::move(*fp32);

    // One ORT session over the whole set, in chunks (batch 1 when the model's batch is fixed).
    mconv::ort::OrtOptions options;
    options.threads = 2;
    auto session = mconv::ort::OrtSession::Load(run.fp32_onnx, options);
    if (!session.ok()) return "ORT load: " + session.status().message();
    const int64_t n = run.images.dim(0);
    const int64_t chunk = (*session)->inputs()[0].shape[0] < 0 ? 20 : 1;
    std::vector<float> logits;
    for (int64_t begin = 0; begin < n; begin += chunk) {
      auto out = (*session)->run({rows(run.images, begin, std::min(n, begin + chunk))});
      if (!out.ok()) return "ORT run: " + out.status().message();
      const std::vector<float> part = (*out)[0].to_f32();
      logits.insert(logits.end(), part.begin(), part.end());
    }
    run.ort_fp32 = Tensor::FromVector(DType::kF32, {n, kClasses}, logits);
    return "";
  }

  static KerasRun* run_;
  static std::string* setup_error_;
};

KerasRun* KerasConvert::run_ = nullptr;
std::string* KerasConvert::setup_error_ = nullptr;

TEST_F(KerasConvert, ConvertsToFp32FilesWithTheNhwcSignature) {
  EXPECT_NE(run_->convert_output.find("wrote " + run_->fp32_tflite + " (TFLite"), std::string::npos)
      << run_->convert_output;
  EXPECT_NE(run_->convert_output.find("wrote " + run_->fp32_onnx + " (ONNX"), std::string::npos)
      << run_->convert_output;
  // The ONNX body is channels-first with exactly one Transpose, right after the NHWC input.
  auto onnx = mconv::onnx::import_onnx_file(run_->fp32_onnx);
  ASSERT_TRUE(onnx.ok()) << onnx.status().message();
  const mconv::ir::Graph& g = onnx->graph;
  ASSERT_EQ(g.inputs.size(), 1u);
  const std::vector<int64_t> in = mconv::ir::static_dims(g.inputs[0]->shape);
  ASSERT_EQ(in.size(), 4u);
  EXPECT_EQ(std::vector<int64_t>(in.begin() + 1, in.end()), (std::vector<int64_t>{224, 224, 3}));
  int transposes = 0, convs = 0, weights_i8 = 0;
  for (const auto& node : g.nodes()) {
    if (node->op == mconv::ir::OpType::kTranspose) {
      ++transposes;
      EXPECT_EQ(node->inputs[0], g.inputs[0]) << node->name << " is not at the input";
    }
    convs += node->op == mconv::ir::OpType::kConv;
    for (const mconv::ir::Value* v : node->inputs)
      weights_i8 += v && v->is_constant() && v->dtype != DType::kF32 && v->dtype != DType::kI64;
  }
  EXPECT_EQ(transposes, 1);
  EXPECT_GT(convs, 40);
  EXPECT_EQ(weights_i8, 0) << "the FP32 ONNX file still holds integer weights";
  std::printf("[ keras ] converted ONNX: %zu nodes, %d Conv, %d Transpose\n", g.nodes().size(),
              convs, transposes);
}

TEST_F(KerasConvert, LiteRtOnTfliteMatchesOrtOnOnnx) {
  const int64_t n = run_->images.dim(0);
  ASSERT_EQ(n, 500);
  ASSERT_EQ(run_->litert_fp32.shape(), (std::vector<int64_t>{n, kClasses}));
  ASSERT_EQ(run_->ort_fp32.shape(), (std::vector<int64_t>{n, kClasses}));
  double worst = 0;
  int64_t worst_row = 0;
  for (int64_t r = 0; r < n; ++r) {
    const double rel = mconv::test::relative_max_diff(rows(run_->ort_fp32, r, r + 1),
                                                      rows(run_->litert_fp32, r, r + 1));
    if (rel > worst) worst = rel, worst_row = r;
  }
  std::printf(
      "[ keras ] ORT(.onnx) vs LiteRT(.tflite) on %lld photos: worst max|diff|/max|ref| = "
      "%.3g (photo %lld), overall %.3g\n",
      static_cast<long long>(n), worst, static_cast<long long>(worst_row),
      mconv::test::relative_max_diff(run_->ort_fp32, run_->litert_fp32));
  EXPECT_LE(worst, 1e-4) << "photo " << worst_row;
  const std::vector<int> a = argmax_rows(run_->ort_fp32), b = argmax_rows(run_->litert_fp32);
  EXPECT_EQ(fraction_equal(a, b), 1.0);
}

// Top-1 against LiteRT on the ORIGINAL dynamic-range file, and accuracy against labels.csv.
//
// A hybrid file is not an FP32 oracle: its kernels quantize activations to int8 on the fly, so
// its top-1 moves on photos where two classes are close. The shared README documents ~8% top-1
// disagreement between two engines running this very file (measured here: LiteRT vs the tfjs
// engine agree on 92.6% of the 500 photos; too slow to rerun in a test, ~4 min), so agreement
// of an exact FP32 conversion with it is bounded the same way; 99% is out of reach for ANY
// faithful FP32 model. The checks are therefore:
//   - agreement with the hybrid file at least 90% (the engine-to-engine level, less a margin);
//   - top-1 / top-5 accuracy within one point of the 81.6% / 95.0% the README reports for the
//     dequantized FP32 Keras model in LiteRT.js (an FP32 reference measured outside mconv).
TEST_F(KerasConvert, Top1AgainstTheOriginalDynamicRangeFileAndLabels) {
  const std::vector<int> original = argmax_rows(run_->original);
  const std::vector<int> tflite = argmax_rows(run_->litert_fp32);
  const std::vector<int> onnx = argmax_rows(run_->ort_fp32);
  ASSERT_EQ(original.size(), 500u);
  ASSERT_EQ(run_->labels.size(), 500u);
  const double tflite_agree = fraction_equal(tflite, original);
  const double onnx_agree = fraction_equal(onnx, original);
  std::printf(
      "[ keras ] top-1 agreement with LiteRT on the dynamic-range file (500 photos): "
      "FP32 .tflite %.1f%%, FP32 .onnx %.1f%%\n",
      100 * tflite_agree, 100 * onnx_agree);
  const double top1[] = {fraction_equal(original, run_->labels),
                         fraction_equal(tflite, run_->labels), fraction_equal(onnx, run_->labels)};
  const double top5[] = {top5_accuracy(run_->original, run_->labels),
                         top5_accuracy(run_->litert_fp32, run_->labels),
                         top5_accuracy(run_->ort_fp32, run_->labels)};
  std::printf(
      "[ keras ] top-1 / top-5 vs labels.csv: dynamic-range %.1f%% / %.1f%%, FP32 .tflite "
      "%.1f%% / %.1f%%, FP32 .onnx %.1f%% / %.1f%%\n",
      100 * top1[0], 100 * top5[0], 100 * top1[1], 100 * top5[1], 100 * top1[2], 100 * top5[2]);
  EXPECT_GE(tflite_agree, 0.90);
  EXPECT_GE(onnx_agree, 0.90);
  for (int k : {1, 2}) {
    EXPECT_NEAR(top1[k], 0.816, 0.01) << (k == 1 ? ".tflite" : ".onnx");
    EXPECT_NEAR(top5[k], 0.950, 0.01) << (k == 1 ? ".tflite" : ".onnx");
  }
}

// `inspect` and `run` take the converted .tflite: the reference interpreter (run --runtime ref)
// matches LiteRT on the same file within 1e-4 relative on the first 8 photos.
TEST_F(KerasConvert, InspectAndRefRunAcceptTheConvertedTflite) {
  const std::string bin = "'" + mconv::test::mconv_binary() + "' ";
  const auto info = mconv::test::run_command(bin + "inspect '" + run_->fp32_tflite + "'");
  ASSERT_EQ(info.exit_code, 0) << info.output;
  EXPECT_NE(info.output.find("TFLite"), std::string::npos) << info.output;
  EXPECT_NE(info.output.find("f32[batch,224,224,3]"), std::string::npos) << info.output;

  constexpr int64_t kPhotos = 8;
  const std::string in = run_->dir + "/first8.npy", out = run_->dir + "/first8_ref.npy";
  ASSERT_TRUE(mconv::write_npy(in, rows(run_->images, 0, kPhotos)).ok());
  const auto r = mconv::test::run_command(bin + "run '" + run_->fp32_tflite + "' -i '" + in +
                                          "' -o '" + out + "' --runtime ref --threads 2");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  auto ref = mconv::read_npy(out);
  ASSERT_TRUE(ref.ok()) << ref.status().message();
  ASSERT_EQ(ref->shape(), (std::vector<int64_t>{kPhotos, kClasses}));
  double worst = 0;
  for (int64_t i = 0; i < kPhotos; ++i)
    worst = std::max(worst, mconv::test::relative_max_diff(rows(*ref, i, i + 1),
                                                           rows(run_->litert_fp32, i, i + 1)));
  std::printf(
      "[ keras ] mconv run --runtime ref vs LiteRT on the FP32 .tflite (%lld photos): "
      "worst max|diff|/max|ref| = %.3g\n",
      static_cast<long long>(kPhotos), worst);
  EXPECT_LE(worst, 1e-4);
}

}  // namespace
