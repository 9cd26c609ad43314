// Scale / zero-point selection, weight and bias quantization.
#include "quant/quant_params.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

namespace mconv::quant {
namespace {

TEST(AsymmetricParams, RangeIsWidenedToIncludeZero) {
  // [2, 10] behaves like [0, 10]: zero at the lowest code.
  const ir::QuantParams p = choose_asymmetric_params(2.0f, 10.0f);
  EXPECT_FLOAT_EQ(p.scale[0], 10.0f / 255.0f);
  EXPECT_EQ(p.zero_point[0], -128);
  EXPECT_FALSE(p.per_axis());
  // [-10, -2] behaves like [-10, 0]: zero at the highest code.
  const ir::QuantParams n = choose_asymmetric_params(-10.0f, -2.0f);
  EXPECT_EQ(n.zero_point[0], 127);
}

TEST(AsymmetricParams, ZeroIsExactlyRepresentable) {
  // Hard-swish-like range: the ideal zero point 101.25 - 128 is not an integer and is nudged.
  for (auto [lo, hi] : {std::pair{-0.375f, 6.2f}, std::pair{-1.0f, 1.0f}, std::pair{-3.7f, 0.2f},
                        std::pair{-0.001f, 100.0f}}) {
    const ir::QuantParams p = choose_asymmetric_params(lo, hi);
    const float s = p.scale[0];
    const int64_t zp = p.zero_point[0];
    EXPECT_GE(zp, -128);
    EXPECT_LE(zp, 127);
    EXPECT_FLOAT_EQ(s, (hi - lo) / 255.0f);
    // 0 quantizes to zp and back to exactly 0.
    EXPECT_EQ(std::nearbyint(0.0f / s) + zp, zp);
    // The represented range covers [lo, hi] up to half a step on each side.
    EXPECT_LE(dequantized_min(p), lo + 0.5f * s);
    EXPECT_GE(dequantized_max(p), hi - 0.5f * s);
  }
  const ir::QuantParams hs = choose_asymmetric_params(-0.375f, 6.2f);
  EXPECT_EQ(hs.zero_point[0], -128 + static_cast<int>(std::round(0.375f / hs.scale[0])));
}

TEST(AsymmetricParams, DegenerateRange) {
  const ir::QuantParams p = choose_asymmetric_params(0.0f, 0.0f);
  EXPECT_EQ(p.scale[0], 1.0f);
  EXPECT_EQ(p.zero_point[0], 0);
}

TEST(SymmetricParams, ScaleFromMaxAbs) {
  EXPECT_FLOAT_EQ(choose_symmetric_params(12.7f).scale[0], 0.1f);
  EXPECT_EQ(choose_symmetric_params(12.7f).zero_point[0], 0);
  EXPECT_EQ(choose_symmetric_params(0.0f).scale[0], 1.0f);
}

TEST(WeightQuantization, PerChannelAlongAxisZero) {
  // OIHW [2,1,1,3]: channel 0 max |w| 1.27, channel 1 max |w| 0.254.
  const Tensor w = Tensor::FromVector(
      DType::kF32, {2, 1, 1, 3}, std::vector<float>{1.27f, -0.635f, 0.0f, 0.1f, -0.254f, 0.127f});
  auto q = quantize_weights_symmetric(w, 0);
  ASSERT_TRUE(q.ok()) << q.status().message();
  EXPECT_EQ(q->params.axis, 0);
  ASSERT_EQ(q->params.scale.size(), 2u);
  EXPECT_FLOAT_EQ(q->params.scale[0], 0.01f);
  EXPECT_FLOAT_EQ(q->params.scale[1], 0.002f);
  EXPECT_EQ(q->params.zero_point, (std::vector<int64_t>{0, 0}));
  const auto codes = q->data.values<int8_t>();
  EXPECT_EQ(std::vector<int8_t>(codes.begin(), codes.end()),
            (std::vector<int8_t>{127, -64, 0, 50, -127, 64}));  // -63.5 -> -64 (away from 0)
}

TEST(WeightQuantization, PerChannelAlongAxisOneAndPerTensor) {
  // Gemm B [K=2, N=3] without transB: channels along axis 1.
  const Tensor w = Tensor::FromVector(DType::kF32, {2, 3},
                                      std::vector<float>{1.0f, -2.0f, 0.5f, -0.5f, 1.0f, 0.25f});
  auto q = quantize_weights_symmetric(w, 1);
  ASSERT_TRUE(q.ok());
  EXPECT_FLOAT_EQ(q->params.scale[0], 1.0f / 127);
  EXPECT_FLOAT_EQ(q->params.scale[1], 2.0f / 127);
  EXPECT_FLOAT_EQ(q->params.scale[2], 0.5f / 127);
  const auto codes = q->data.values<int8_t>();
  EXPECT_EQ(codes[0], 127);
  EXPECT_EQ(codes[1], -127);
  EXPECT_EQ(codes[2], 127);
  EXPECT_EQ(codes[3], -64);
  auto t = quantize_weights_symmetric(w, -1);
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->params.scale.size(), 1u);
  EXPECT_FLOAT_EQ(t->params.scale[0], 2.0f / 127);
  EXPECT_EQ(t->params.axis, -1);
}

TEST(WeightQuantization, AllZeroChannelAndScaleFloor) {
  const Tensor w =
      Tensor::FromVector(DType::kF32, {3, 2}, std::vector<float>{0, 0, 1e-6f, 0, 1.27f, -0.5f});
  auto q = quantize_weights_symmetric(w, 0, {0.0f, 1e-3f, 0.0f});
  ASSERT_TRUE(q.ok());
  EXPECT_FLOAT_EQ(q->params.scale[0], 0.01f);  // all-zero channel: median of the others' scales
  EXPECT_EQ(q->params.scale[1], 1e-3f);        // raised to the floor: tiny weights round to 0
  EXPECT_EQ(q->data.values<int8_t>()[2], 0);
  const Tensor zeros(DType::kF32, {2, 2});
  auto z = quantize_weights_symmetric(zeros, 0);
  ASSERT_TRUE(z.ok());
  EXPECT_EQ(z->params.scale, (std::vector<float>{1.0f, 1.0f}));
  const Tensor bad = Tensor::FromVector(DType::kF32, {1}, std::vector<float>{NAN});
  EXPECT_FALSE(quantize_weights_symmetric(bad, 0).ok());
}

TEST(BiasQuantization, ScaleIsInputTimesWeightScale) {
  const Tensor b = Tensor::FromVector(DType::kF32, {2}, std::vector<float>{0.5f, -0.25f});
  auto q = quantize_bias(b, 0.1f, {0.01f, 0.002f});
  ASSERT_TRUE(q.ok());
  EXPECT_EQ(q->data.dtype(), DType::kI32);
  EXPECT_EQ(q->params.axis, 0);
  EXPECT_FLOAT_EQ(q->params.scale[0], 0.001f);
  EXPECT_FLOAT_EQ(q->params.scale[1], 0.0002f);
  EXPECT_EQ(q->data.values<int32_t>()[0], 500);
  EXPECT_EQ(q->data.values<int32_t>()[1], -1250);
  // A huge bias against tiny scales saturates instead of wrapping...
  const Tensor big = Tensor::FromVector(DType::kF32, {1}, std::vector<float>{1e6f});
  auto s = quantize_bias(big, 1e-3f, {1e-6f});
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->data.values<int32_t>()[0], std::numeric_limits<int32_t>::max());
  // ...which min_bias_weight_scales prevents: with the floor the code stays within 2^30.
  const float floor = min_bias_weight_scales(big, 1e-3f)[0];
  auto ok = quantize_bias(big, 1e-3f, {std::max(1e-6f, floor)});
  ASSERT_TRUE(ok.ok());
  EXPECT_LE(std::abs(ok->data.values<int32_t>()[0]), (1 << 30) + 1);
}

TEST(TensorQuantization, RoundTripPerAxis) {
  ir::QuantParams p;
  p.scale = {0.5f, 0.25f};
  p.zero_point = {1, -2};
  p.axis = 1;
  const Tensor x =
      Tensor::FromVector(DType::kF32, {2, 2}, std::vector<float>{1.0f, 0.5f, -0.75f, 100.0f});
  auto q = quantize_tensor(x, p, DType::kI8);
  ASSERT_TRUE(q.ok());
  const auto codes = q->values<int8_t>();
  EXPECT_EQ(codes[0], 3);    // 1.0 / 0.5 + 1
  EXPECT_EQ(codes[1], 0);    // 0.5 / 0.25 - 2
  EXPECT_EQ(codes[2], -1);   // -0.75 / 0.5 = -1.5 rounds half to even: -2, + 1
  EXPECT_EQ(codes[3], 127);  // saturated
  auto back = dequantize_tensor(*q, p);
  ASSERT_TRUE(back.ok());
  EXPECT_FLOAT_EQ(back->values<float>()[0], 1.0f);
  EXPECT_FLOAT_EQ(back->values<float>()[1], 0.5f);
}

}  // namespace
}  // namespace mconv::quant
