// The fixed-point primitives of the integer kernels against exact rational arithmetic: TFLite's
// QuantizeMultiplier, both MultiplyByQuantizedMultiplier roundings, the int16 HardSwish helpers.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "runtime/kernels/quantized/fixed_point_math.h"

namespace mconv::runtime::quantized {
namespace {

TEST(QuantizedFixedPoint, QuantizeMultiplierRepresentsTheReal) {
  for (double m : {1e-9, 0.0003, 0.25, 0.5, 0.7071, 0.99999999999, 1.0, 3.5, 1234.5}) {
    const QuantizedMultiplier q = quantize_multiplier(m);
    ASSERT_GE(q.multiplier, 1 << 30) << m;
    const double back = q.multiplier * std::ldexp(1.0, q.shift - 31);
    EXPECT_NEAR(back / m, 1.0, 1e-9) << m;
  }
  EXPECT_EQ(quantize_multiplier(0.0).multiplier, 0);
  EXPECT_EQ(quantize_multiplier(1e-12).multiplier, 0);  // shift below -31 flushes to zero
  // A significand that rounds up to 2^31 is renormalised: 1 - 2^-40 becomes 2^30 * 2^(1 - 31).
  const QuantizedMultiplier one = quantize_multiplier(1.0 - std::ldexp(1.0, -40));
  EXPECT_EQ(one.multiplier, 1 << 30);
  EXPECT_EQ(one.shift, 1);
}

TEST(QuantizedFixedPoint, BothRoundingsStayWithinHalfAnLsbOfExact) {
  std::mt19937 rng(7);
  std::uniform_int_distribution<int32_t> acc(-(1 << 24), 1 << 24);
  std::uniform_real_distribution<double> real(1e-4, 0.9);
  for (int i = 0; i < 20000; ++i) {
    const int32_t x = acc(rng);
    const QuantizedMultiplier m = quantize_multiplier(real(rng));
    const double exact = static_cast<double>(x) * m.multiplier * std::ldexp(1.0, m.shift - 31);
    const int32_t single = multiply_by_quantized_multiplier_single_round(x, m.multiplier, m.shift);
    const int32_t twice = multiply_by_quantized_multiplier(x, m);
    EXPECT_LE(std::abs(single - exact), 0.5 + 1e-9) << x;
    EXPECT_LE(std::abs(twice - exact), 1.0) << x;
  }
}

TEST(QuantizedFixedPoint, KnownRoundingCases) {
  // Ties: single rounding goes up, RoundingDivideByPOT away from zero.
  const int32_t half = 1 << 30;  // multiplier 0.5 with shift 0: x * 0.5
  EXPECT_EQ(multiply_by_quantized_multiplier_single_round(5, half, 0), 3);
  EXPECT_EQ(multiply_by_quantized_multiplier_single_round(-5, half, 0), -2);
  EXPECT_EQ(rounding_divide_by_pot<int32_t>(5, 1), 3);
  EXPECT_EQ(rounding_divide_by_pot<int32_t>(-5, 1), -3);
  EXPECT_EQ(rounding_divide_by_pot<int32_t>(-6, 2), -2);  // -1.5 -> -2
  // Saturation and truncation of the gemmlowp helpers.
  EXPECT_EQ(saturating_rounding_doubling_high_mul(std::numeric_limits<int32_t>::min(),
                                                  std::numeric_limits<int32_t>::min()),
            std::numeric_limits<int32_t>::max());
  EXPECT_EQ(saturating_rounding_doubling_high_mul(int16_t{-32768}, int16_t{-32768}), 32767);
  EXPECT_EQ(saturating_doubling_high_mul(int16_t{16384}, int16_t{-3}), -1);  // truncates
  EXPECT_EQ(saturating_left_shift(int16_t{20000}, 1), 32767);
  EXPECT_EQ(saturating_left_shift(int16_t{-20000}, 2), -32768);
  EXPECT_EQ(downscale_multiplier_to_int16(1 << 30), 1 << 14);
  EXPECT_EQ(downscale_multiplier_to_int16(std::numeric_limits<int32_t>::max()), 32767);
}

}  // namespace
}  // namespace mconv::runtime::quantized
