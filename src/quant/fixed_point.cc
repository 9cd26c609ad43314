#include "quant/fixed_point.h"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <limits>

namespace mconv::quant {

QuantizedMultiplier quantize_multiplier(double real_multiplier) {
  QuantizedMultiplier out;
  if (real_multiplier == 0.0 || !std::isfinite(real_multiplier)) return out;
  int shift = 0;
  const double significand = std::frexp(real_multiplier, &shift);  // |significand| in [0.5, 1)
  // std::round rounds half away from zero, like TfLiteRound.
  int64_t fixed = static_cast<int64_t>(std::round(significand * static_cast<double>(1LL << 31)));
  if (fixed == (1LL << 31)) {  // rounding carried into bit 31 (-2^31 still fits, as in TFLite)
    fixed /= 2;
    ++shift;
  }
  // Every bit would be shifted out: TFLite flushes such multipliers to zero.
  if (shift < -31) return out;
  out.multiplier = static_cast<int32_t>(fixed);
  out.shift = shift;
  return out;
}

int32_t saturating_rounding_doubling_high_mul(int32_t a, int32_t b) {
  if (a == b && a == std::numeric_limits<int32_t>::min())
    return std::numeric_limits<int32_t>::max();
  const int64_t product = static_cast<int64_t>(a) * static_cast<int64_t>(b);
  const int64_t nudge = product >= 0 ? (1LL << 30) : (1 - (1LL << 30));
  // Division truncates toward zero; with the sign-dependent nudge that rounds to nearest, ties
  // toward +infinity (gemmlowp's exact behaviour).
  return static_cast<int32_t>((product + nudge) / (1LL << 31));
}

int32_t rounding_divide_by_pot(int32_t x, int exponent) {
  assert(exponent >= 0 && exponent <= 31);
  const int32_t mask = static_cast<int32_t>((1LL << exponent) - 1);
  const int32_t remainder = x & mask;
  const int32_t threshold = (mask >> 1) + (x < 0 ? 1 : 0);
  return (x >> exponent) + (remainder > threshold ? 1 : 0);
}

int32_t multiply_by_quantized_multiplier(int32_t x, int32_t multiplier, int shift) {
  const int left_shift = shift > 0 ? std::min(shift, 31) : 0;
  const int right_shift = shift > 0 ? 0 : std::min(-shift, 31);
  const int64_t shifted = static_cast<int64_t>(x) * (int64_t{1} << left_shift);
  if (shifted >= std::numeric_limits<int32_t>::min() &&
      shifted <= std::numeric_limits<int32_t>::max())
    return rounding_divide_by_pot(
        saturating_rounding_doubling_high_mul(static_cast<int32_t>(shifted), multiplier),
        right_shift);
  // TFLite's int32 left shift overflows here (undefined behaviour); give the same rounding on
  // wider integers, saturated to int32 (right_shift is 0 whenever left_shift > 0).
  const __int128 product = static_cast<__int128>(shifted) * multiplier;
  const __int128 nudge = product >= 0 ? (int64_t{1} << 30) : (1 - (int64_t{1} << 30));
  const __int128 result = (product + nudge) / (int64_t{1} << 31);
  return static_cast<int32_t>(std::clamp<__int128>(result, std::numeric_limits<int32_t>::min(),
                                                   std::numeric_limits<int32_t>::max()));
}

}  // namespace mconv::quant
