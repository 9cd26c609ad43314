// The fixed-point arithmetic of TFLite's integer kernels (TFLite quantization spec, gemmlowp
// primitives), written for the interpreter's quantized kernels. A real multiplier M (e.g.
// s_in * s_w / s_out) is held as a Q0.31 significand and a power-of-two exponent; int32
// accumulators are scaled by it with one of TFLite's two roundings: the classic "double rounding"
// (SaturatingRoundingDoublingHighMul, then RoundingDivideByPOT) or the single rounding of
// TFLITE_SINGLE_ROUNDING builds and ruy.
//
// The runtime cannot use src/quant (quant depends on runtime), hence this header of its own.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>

namespace mconv::runtime::quantized {

// M ~= multiplier * 2^(shift - 31); multiplier in [2^30, 2^31) for M > 0.
struct QuantizedMultiplier {
  int32_t multiplier = 0;  // Q0.31 significand (0 when M == 0 or M < ~2^-31)
  int shift = 0;           // exponent: > 0 shifts left, < 0 shifts right
};

// TFLite QuantizeMultiplier: frexp, significand rounded half away from zero to 31 bits,
// renormalised when rounding reaches 2^31; multipliers whose shift falls below -31 become zero.
inline QuantizedMultiplier quantize_multiplier(double real_multiplier) {
  QuantizedMultiplier m;
  if (real_multiplier == 0.0) return m;
  int exponent = 0;
  const double significand = std::frexp(real_multiplier, &exponent);
  int64_t fixed = static_cast<int64_t>(std::round(significand * static_cast<double>(1LL << 31)));
  if (fixed == (1LL << 31)) {
    fixed /= 2;
    ++exponent;
  }
  if (exponent < -31) {
    exponent = 0;
    fixed = 0;
  }
  m.multiplier = static_cast<int32_t>(fixed);
  m.shift = exponent;
  return m;
}

// gemmlowp SaturatingRoundingDoublingHighMul (int32): high 32 bits of 2*a*b, rounded to
// nearest (ties away from zero); INT32_MIN * INT32_MIN saturates to INT32_MAX.
inline int32_t saturating_rounding_doubling_high_mul(int32_t a, int32_t b) {
  if (a == b && a == std::numeric_limits<int32_t>::min())
    return std::numeric_limits<int32_t>::max();
  const int64_t ab = static_cast<int64_t>(a) * static_cast<int64_t>(b);
  const int64_t nudge = ab >= 0 ? (1LL << 30) : (1 - (1LL << 30));
  return static_cast<int32_t>((ab + nudge) / (1LL << 31));  // C++ division truncates toward 0
}

// The int16 flavour (TFLite HARD_SWISH): high 16 bits of 2*a*b, rounded as above.
inline int16_t saturating_rounding_doubling_high_mul(int16_t a, int16_t b) {
  if (a == b && a == std::numeric_limits<int16_t>::min())
    return std::numeric_limits<int16_t>::max();
  const int32_t ab = static_cast<int32_t>(a) * static_cast<int32_t>(b);
  const int32_t nudge = ab >= 0 ? (1 << 14) : (1 - (1 << 14));
  return static_cast<int16_t>((ab + nudge) / (1 << 15));
}

// The non-rounding int16 doubling high multiply (truncates toward zero); HARD_SWISH uses it for
// its last product to cancel the bias of the rounding one.
inline int16_t saturating_doubling_high_mul(int16_t a, int16_t b) {
  if (a == b && a == std::numeric_limits<int16_t>::min())
    return std::numeric_limits<int16_t>::max();
  const int32_t ab = static_cast<int32_t>(a) * static_cast<int32_t>(b);
  return static_cast<int16_t>(ab / (1 << 15));
}

// gemmlowp RoundingDivideByPOT: x / 2^exponent rounded to nearest, ties away from zero.
// exponent in [0, 31] (int32) or [0, 15] (int16).
template <typename Int>
inline Int rounding_divide_by_pot(Int x, int exponent) {
  const int32_t mask = static_cast<int32_t>((1LL << exponent) - 1);
  const int32_t remainder = static_cast<int32_t>(x) & mask;
  const int32_t threshold = (mask >> 1) + (x < 0 ? 1 : 0);
  return static_cast<Int>((static_cast<int32_t>(x) >> exponent) + (remainder > threshold ? 1 : 0));
}

// x * 2^shift saturated to int16 (TFLite SaturatingLeftShift on int16).
inline int16_t saturating_left_shift(int16_t x, int shift) {
  const int32_t wide = static_cast<int32_t>(x) * (1 << shift);
  return static_cast<int16_t>(std::clamp<int32_t>(wide, std::numeric_limits<int16_t>::min(),
                                                  std::numeric_limits<int16_t>::max()));
}

// TFLite MultiplyByQuantizedMultiplier (double rounding): x * 2^max(shift,0), doubling high mul,
// then a rounding right shift by max(-shift,0). The left shift is done on 64 bits and saturated
// where TFLite's int32 shift would overflow (undefined behaviour there, never hit by valid models).
inline int32_t multiply_by_quantized_multiplier(int32_t x, int32_t multiplier, int shift) {
  const int left = shift > 0 ? shift : 0;
  const int right = shift > 0 ? 0 : -shift;
  const int64_t shifted = static_cast<int64_t>(x) * (int64_t{1} << left);
  const int32_t clamped = static_cast<int32_t>(std::clamp<int64_t>(
      shifted, std::numeric_limits<int32_t>::min(), std::numeric_limits<int32_t>::max()));
  return rounding_divide_by_pot(saturating_rounding_doubling_high_mul(clamped, multiplier), right);
}
inline int32_t multiply_by_quantized_multiplier(int32_t x, QuantizedMultiplier m) {
  return multiply_by_quantized_multiplier(x, m.multiplier, m.shift);
}

// The single-rounding form (TFLite built with TFLITE_SINGLE_ROUNDING, and ruy's ApplyMultiplier,
// which TFLite's GEMM-based kernels use): x * multiplier * 2^(shift - 31) computed exactly in 64
// bits and rounded once, ties toward +infinity.
inline int32_t multiply_by_quantized_multiplier_single_round(int32_t x, int32_t multiplier,
                                                             int shift) {
  const int total_shift = 31 - shift;
  if (total_shift <= 0) {
    const int64_t wide = static_cast<int64_t>(x) * multiplier * (int64_t{1} << -total_shift);
    return static_cast<int32_t>(std::clamp<int64_t>(wide, std::numeric_limits<int32_t>::min(),
                                                    std::numeric_limits<int32_t>::max()));
  }
  if (total_shift > 62) return 0;
  const int64_t round = int64_t{1} << (total_shift - 1);
  const int64_t result = (static_cast<int64_t>(x) * multiplier + round) >> total_shift;
  return static_cast<int32_t>(std::clamp<int64_t>(result, std::numeric_limits<int32_t>::min(),
                                                  std::numeric_limits<int32_t>::max()));
}

// TFLite DownScaleInt32ToInt16Multiplier: the Q0.31 significand rounded to Q0.15.
inline int16_t downscale_multiplier_to_int16(int32_t multiplier) {
  constexpr int32_t kRounding = 1 << 15;
  if (multiplier >= std::numeric_limits<int32_t>::max() - kRounding)
    return std::numeric_limits<int16_t>::max();
  return static_cast<int16_t>((multiplier + kRounding) >> 16);
}

}  // namespace mconv::runtime::quantized
