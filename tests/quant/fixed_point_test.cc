// TFLite fixed-point requantization: multipliers and the rounding of the reference kernels.
#include "quant/fixed_point.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <random>

namespace mconv::quant {
namespace {

constexpr int32_t kMax = std::numeric_limits<int32_t>::max();
constexpr int32_t kMin = std::numeric_limits<int32_t>::min();

TEST(QuantizeMultiplier, KnownValues) {
  // 0.5 = 2^30 * 2^(0 - 31): significand exactly 2^30, shift 0.
  EXPECT_EQ(quantize_multiplier(0.5), (QuantizedMultiplier{1 << 30, 0}));
  // 1.0 = 0.5 * 2^1.
  EXPECT_EQ(quantize_multiplier(1.0), (QuantizedMultiplier{1 << 30, 1}));
  EXPECT_EQ(quantize_multiplier(0.25), (QuantizedMultiplier{1 << 30, -1}));
  // 1/3 = 0.6666.. * 2^-1, significand round(2^31 * 2/3) = 1431655765.
  EXPECT_EQ(quantize_multiplier(1.0 / 3.0), (QuantizedMultiplier{1431655765, -1}));
  // 0.75 * 2^31 = 1610612736 exactly.
  EXPECT_EQ(quantize_multiplier(0.75), (QuantizedMultiplier{1610612736, 0}));
  EXPECT_EQ(quantize_multiplier(0.0), (QuantizedMultiplier{0, 0}));
}

TEST(QuantizeMultiplier, RoundingIntoBit31Renormalises) {
  // Just below 1.0: the significand rounds up to 2^31 and must become 2^30 with shift + 1.
  const QuantizedMultiplier m = quantize_multiplier(1.0 - 1e-12);
  EXPECT_EQ(m, (QuantizedMultiplier{1 << 30, 1}));
}

TEST(QuantizeMultiplier, TinyValuesFlushToZero) {
  // 2^-40 would need shift -39 < -31: flushed, as TFLite does.
  EXPECT_EQ(quantize_multiplier(std::ldexp(1.0, -40)), (QuantizedMultiplier{0, 0}));
  // 2^-31 = 0.5 * 2^-30: still representable.
  EXPECT_EQ(quantize_multiplier(std::ldexp(1.0, -31)), (QuantizedMultiplier{1 << 30, -30}));
  // A typical conv requantization scale stays exact to 31 bits.
  const double real = 0.0123456789;
  const QuantizedMultiplier m = quantize_multiplier(real);
  EXPECT_GE(m.multiplier, 1 << 30);
  EXPECT_NEAR(m.multiplier * std::ldexp(1.0, m.shift - 31), real, real * 1e-9);
}

TEST(QuantizeMultiplier, LargeMultipliers) {
  const QuantizedMultiplier m = quantize_multiplier(1000.0);  // 0.9765625 * 2^10
  EXPECT_EQ(m.shift, 10);
  EXPECT_EQ(m.multiplier, 2097152000);
}

TEST(SaturatingRoundingDoublingHighMul, RoundsAndSaturates) {
  EXPECT_EQ(saturating_rounding_doubling_high_mul(kMin, kMin), kMax);
  // (2 * a * b) / 2^32 with a = b = 2^30: 2^29.
  EXPECT_EQ(saturating_rounding_doubling_high_mul(1 << 30, 1 << 30), 1 << 29);
  // gemmlowp's nudge (1 - 2^30 for negative products, then truncation) rounds ties toward
  // +infinity: 1.5 -> 2 but -1.5 -> -1, 0.5 -> 1 but -0.5 -> 0.
  EXPECT_EQ(saturating_rounding_doubling_high_mul(3, 1 << 30), 2);
  EXPECT_EQ(saturating_rounding_doubling_high_mul(-3, 1 << 30), -1);
  EXPECT_EQ(saturating_rounding_doubling_high_mul(1, 1 << 30), 1);
  EXPECT_EQ(saturating_rounding_doubling_high_mul(-1, 1 << 30), 0);
  // Non-ties round to nearest on both sides: +-1.75 -> +-2, +-1.25 -> +-1.
  EXPECT_EQ(saturating_rounding_doubling_high_mul(7, 1 << 29), 2);
  EXPECT_EQ(saturating_rounding_doubling_high_mul(-7, 1 << 29), -2);
  EXPECT_EQ(saturating_rounding_doubling_high_mul(5, 1 << 29), 1);
  EXPECT_EQ(saturating_rounding_doubling_high_mul(-5, 1 << 29), -1);
  EXPECT_EQ(saturating_rounding_doubling_high_mul(kMax, kMax), kMax - 1);
}

TEST(RoundingDivideByPot, TiesAwayFromZero) {
  EXPECT_EQ(rounding_divide_by_pot(5, 1), 3);    // 2.5 -> 3
  EXPECT_EQ(rounding_divide_by_pot(-5, 1), -3);  // -2.5 -> -3
  EXPECT_EQ(rounding_divide_by_pot(7, 2), 2);    // 1.75 -> 2
  EXPECT_EQ(rounding_divide_by_pot(-7, 2), -2);
  EXPECT_EQ(rounding_divide_by_pot(6, 2), 2);    // 1.5 -> 2
  EXPECT_EQ(rounding_divide_by_pot(-6, 2), -2);  // -1.5 -> -2
  EXPECT_EQ(rounding_divide_by_pot(5, 2), 1);    // 1.25 -> 1
  EXPECT_EQ(rounding_divide_by_pot(-5, 2), -1);
  EXPECT_EQ(rounding_divide_by_pot(123, 0), 123);
  EXPECT_EQ(rounding_divide_by_pot(kMax, 31), 1);
  EXPECT_EQ(rounding_divide_by_pot(kMin, 31), -1);
}

TEST(MultiplyByQuantizedMultiplier, MatchesRealArithmetic) {
  // Exact cases.
  const QuantizedMultiplier half = quantize_multiplier(0.5);
  EXPECT_EQ(multiply_by_quantized_multiplier(100, half), 50);
  EXPECT_EQ(multiply_by_quantized_multiplier(101, half), 51);    // 50.5 -> 51
  EXPECT_EQ(multiply_by_quantized_multiplier(-101, half), -50);  // -50.5 -> -50 (tie upward)
  const QuantizedMultiplier two = quantize_multiplier(2.0);
  EXPECT_EQ(multiply_by_quantized_multiplier(-1234, two), -2468);
  // Where TFLite's left shift would overflow, the product saturates; a product that fits after
  // the multiplication (2^30 * 1.0 with shift 1) is still exact.
  EXPECT_EQ(multiply_by_quantized_multiplier(kMax, two), kMax);
  EXPECT_EQ(multiply_by_quantized_multiplier(kMin, two), kMin);
  EXPECT_EQ(multiply_by_quantized_multiplier(1 << 30, quantize_multiplier(1.0)), 1 << 30);
  EXPECT_EQ(multiply_by_quantized_multiplier(-(1 << 30), quantize_multiplier(1.0)), -(1 << 30));

  // Random accumulators and multipliers in the range convolutions use: within one unit of the
  // real product (two roundings).
  std::mt19937 rng(7);
  std::uniform_int_distribution<int32_t> acc(-(1 << 24), 1 << 24);
  std::uniform_real_distribution<double> mult(1e-6, 0.999);
  for (int i = 0; i < 20000; ++i) {
    const int32_t x = acc(rng);
    const double m = mult(rng);
    const int32_t got = multiply_by_quantized_multiplier(x, quantize_multiplier(m));
    EXPECT_LE(std::fabs(got - x * m), 1.0) << x << " * " << m;
  }
}

TEST(MultiplyByQuantizedMultiplier, OneThirdRounding) {
  // 1/3 = 1431655765 * 2^(-1 - 31): a high-mul to 31 bits, then a rounding shift right by 1.
  const QuantizedMultiplier third = quantize_multiplier(1.0 / 3.0);
  EXPECT_EQ(multiply_by_quantized_multiplier(3, third), 1);
  EXPECT_EQ(multiply_by_quantized_multiplier(5, third), 2);  // 1.67 -> 2
  EXPECT_EQ(multiply_by_quantized_multiplier(-5, third), -2);
  // TFLite's double rounding: 4/3 = 1.33 becomes 2 (2.67 -> 3 in the high-mul, then 1.5 -> 2).
  EXPECT_EQ(multiply_by_quantized_multiplier(4, third), 2);
  EXPECT_EQ(multiply_by_quantized_multiplier(-4, third), -2);  // -2.67 -> -3, -1.5 -> -2
  EXPECT_EQ(multiply_by_quantized_multiplier(300000, third), 100000);
}

}  // namespace
}  // namespace mconv::quant
