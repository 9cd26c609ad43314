// CalibrationCache: the ONNX (NCHW) and TFLite (NHWC) forms of one model share one calibration.
// On torchvision's MobileNetV3-Small (real ONNX file) and real photos: the NHWC twin made by the
// layout pass is answered from the NCHW form's calibration, and what it gets equals a calibration
// of the twin itself (same counts, min/max and channel statistics up to the float rounding of a
// different summation order). A different model or input set is never answered from the cache.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "data/dataset.h"
#include "data/preprocess.h"
#include "onnx/onnx_importer.h"
#include "passes/fold_batchnorm.h"
#include "passes/rewrite_for_nhwc.h"
#include "quant/calibration.h"
#include "quant/ptq.h"
#include "quant_test_graphs.h"
#include "support/test_support.h"

namespace mconv::quant {
namespace {

// [N,C,H,W] -> [N,H,W,C] for f32.
Tensor to_nhwc(const Tensor& t) {
  const int64_t n = t.dim(0), c = t.dim(1), h = t.dim(2), w = t.dim(3);
  Tensor out(DType::kF32, {n, h, w, c});
  const float* src = t.data<float>();
  float* dst = out.data<float>();
  for (int64_t b = 0; b < n; ++b)
    for (int64_t ch = 0; ch < c; ++ch)
      for (int64_t y = 0; y < h; ++y)
        for (int64_t x = 0; x < w; ++x)
          dst[((b * h + y) * w + x) * c + ch] = src[((b * c + ch) * h + y) * w + x];
  return out;
}

bool close(double a, double b) {
  return std::abs(a - b) <= 1e-4 * std::max(1.0, std::abs(b));
}

class CalibrationCacheTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::string path = test::shared_models_dir() + "/mobilenet_v3_small_op17.onnx";
    MCONV_REQUIRE_SHARED_FILE(path);
    MCONV_REQUIRE_SHARED_FILE(test::shared_images_dir() + "/labels.csv");
    auto model = onnx::import_onnx_file(path);
    ASSERT_TRUE(model.ok()) << model.status().message();
    nchw_ = std::move(model->graph);
    // The TFLite conversion's form: BatchNorm folded, NHWC body and input.
    nhwc_ = nchw_.clone();
    ASSERT_TRUE(passes::fold_batchnorm(nhwc_).ok());
    ASSERT_TRUE(passes::rewrite_for_nhwc(nhwc_).ok());
    ASSERT_TRUE(prepare_for_quantization(nchw_).ok());
    ASSERT_TRUE(prepare_for_quantization(nhwc_).ok());
    auto all = list_image_folder(test::shared_images_dir());
    ASSERT_TRUE(all.ok()) << all.status().message();
    auto some = select_images(*all, 0, 6);
    ASSERT_TRUE(some.ok());
    auto batch =
        load_image_batch(*some, make_preprocess(PreprocessPreset::kTorch, ImageLayout::kNCHW), 2);
    ASSERT_TRUE(batch.ok()) << batch.status().message();
    images_nchw_ = std::move(batch).value();
    images_nhwc_ = to_nhwc(images_nchw_);
  }

  ir::Graph nchw_, nhwc_;
  Tensor images_nchw_, images_nhwc_;
};

TEST_F(CalibrationCacheTest, NhwcTwinIsAnsweredFromTheNchwCalibration) {
  CalibrationCache cache;
  const CalibrationOptions shared{.threads = 2, .cache = &cache, .channel_ranges = true};
  auto first = calibrate(nchw_, calibration_source_from_batch(images_nchw_, 1), shared);
  ASSERT_TRUE(first.ok()) << first.status().message();
  EXPECT_EQ(cache.misses(), 1);
  auto twin = calibrate(nhwc_, calibration_source_from_batch(images_nhwc_, 1), shared);
  ASSERT_TRUE(twin.ok()) << twin.status().message();
  EXPECT_EQ(cache.hits(), 1) << "the NHWC form was calibrated again";
  EXPECT_EQ(cache.misses(), 1);

  // What the twin got equals its own calibration.
  auto own = calibrate(nhwc_, calibration_source_from_batch(images_nhwc_, 1),
                       {.threads = 2, .channel_ranges = true});
  ASSERT_TRUE(own.ok()) << own.status().message();
  ASSERT_EQ(twin->values.size(), own->values.size());
  for (const auto& [name, h] : own->values) {
    const Histogram* got = twin->find(name);
    ASSERT_NE(got, nullptr) << name;
    EXPECT_EQ(got->count(), h.count()) << name;
    EXPECT_TRUE(close(got->min(), h.min())) << name << ": " << got->min() << " vs " << h.min();
    EXPECT_TRUE(close(got->max(), h.max())) << name << ": " << got->max() << " vs " << h.max();
  }
  ASSERT_EQ(twin->input_means.size(), own->input_means.size());
  for (const auto& [node, m] : own->input_means) {
    const std::vector<double> want = m.means(), got = twin->input_means.at(node).means();
    ASSERT_EQ(got.size(), want.size()) << node;
    for (size_t c = 0; c < want.size(); ++c) EXPECT_TRUE(close(got[c], want[c])) << node << c;
  }
  ASSERT_EQ(twin->channel_ranges.size(), own->channel_ranges.size());
  for (const auto& [name, r] : own->channel_ranges) {
    const ChannelRanges& got = twin->channel_ranges.at(name);
    EXPECT_EQ(got.axis, 3) << name;  // the twin's own channel axis
    ASSERT_EQ(got.max.size(), r.max.size()) << name;
    for (size_t c = 0; c < r.max.size(); ++c) EXPECT_TRUE(close(got.max[c], r.max[c])) << name;
  }
}

TEST_F(CalibrationCacheTest, WholePtqOfTheTwinRunsNoCalibration) {
  CalibrationCache cache;
  PtqOptions options;
  options.calibration.cache = &cache;
  auto nchw =
      quantize_post_training(nchw_, calibration_source_from_batch(images_nchw_, 1), options);
  ASSERT_TRUE(nchw.ok()) << nchw.status().message();
  const int ran = cache.misses();
  auto nhwc =
      quantize_post_training(nhwc_, calibration_source_from_batch(images_nhwc_, 1), options);
  ASSERT_TRUE(nhwc.ok()) << nhwc.status().message();
  EXPECT_EQ(cache.misses(), ran) << "the NHWC form ran a calibration of its own";
  EXPECT_EQ(nhwc->chains_split, nchw->chains_split);
}

TEST_F(CalibrationCacheTest, OtherInputsOrOtherModelsAreNotAnswered) {
  CalibrationCache cache;
  const CalibrationOptions shared{.threads = 2, .cache = &cache};
  ASSERT_TRUE(calibrate(nchw_, calibration_source_from_batch(images_nchw_, 1), shared).ok());
  // Fewer runs: another input set.
  Tensor fewer(DType::kF32, {2, 3, 224, 224});
  std::copy_n(images_nchw_.data<float>(), fewer.element_count(), fewer.data<float>());
  ASSERT_TRUE(calibrate(nchw_, calibration_source_from_batch(fewer, 1), shared).ok());
  EXPECT_EQ(cache.hits(), 0);
  // ... and its results did not join the first set's: the full set is still answered.
  ASSERT_TRUE(calibrate(nchw_, calibration_source_from_batch(images_nchw_, 1), shared).ok());
  EXPECT_EQ(cache.hits(), 1);
  // Another graph (a hand-made CNN whose names the cache has never seen).
  ir::Graph other;
  ir::Value* x = other.add_value("other_input", DType::kF32, ir::make_shape({1, 3, 4, 4}));
  other.inputs.push_back(x);
  other.outputs.push_back(testing::node(other, ir::OpType::kRelu, "other_relu", {x}));
  Tensor batch = testing::random_tensor({6, 3, 4, 4}, 1.0f, 5);
  ASSERT_TRUE(calibrate(other, calibration_source_from_batch(batch, 1), shared).ok());
  EXPECT_EQ(cache.hits(), 1);
  EXPECT_EQ(cache.misses(), 3);
}

}  // namespace
}  // namespace mconv::quant
