// Integer requantization as TFLite's reference int8 kernels do it: a real multiplier M (e.g.
// s_in * s_w / s_out) becomes a Q0.31 significand and a power-of-two exponent, and int32
// accumulators are scaled by SaturatingRoundingDoublingHighMul then RoundingDivideByPOT (the
// default "double rounding" build of TFLite, not TFLITE_SINGLE_ROUNDING). The int8 interpreter
// kernels and the exporters use these so that mconv's integer results match TFLite bit for bit.
#pragma once

#include <cstdint>

namespace mconv::quant {

// M ~= multiplier * 2^(shift - 31), with multiplier in [2^30, 2^31) for |M| > 0.
struct QuantizedMultiplier {
  int32_t multiplier = 0;  // Q0.31 significand (0 for M == 0 or |M| < ~2^-31)
  int shift = 0;           // power-of-two exponent: > 0 shifts left, < 0 shifts right
  bool operator==(const QuantizedMultiplier&) const = default;
};

// TFLite's QuantizeMultiplier: frexp, round half away from zero to 31 bits, renormalise when the
// rounding reaches 2^31, and flush multipliers whose shift would be below -31 to zero.
QuantizedMultiplier quantize_multiplier(double real_multiplier);

// gemmlowp's SaturatingRoundingDoublingHighMul: the high 32 bits of 2*a*b, rounded to nearest
// with ties toward +infinity (its 1 - 2^30 nudge for negative products, then truncation); the one
// overflowing case (a == b == INT32_MIN) saturates to INT32_MAX.
int32_t saturating_rounding_doubling_high_mul(int32_t a, int32_t b);

// gemmlowp's RoundingDivideByPOT: x / 2^exponent rounded to nearest, ties away from zero.
// exponent must be in [0, 31].
int32_t rounding_divide_by_pot(int32_t x, int exponent);

// TFLite's MultiplyByQuantizedMultiplier: x * M with the rounding of the reference kernels.
// Where TFLite's int32 left shift x * 2^shift would overflow (undefined behaviour there), the
// same rounding is done on wider integers and the result saturates to the int32 range.
int32_t multiply_by_quantized_multiplier(int32_t x, int32_t multiplier, int shift);
inline int32_t multiply_by_quantized_multiplier(int32_t x, QuantizedMultiplier m) {
  return multiply_by_quantized_multiplier(x, m.multiplier, m.shift);
}

}  // namespace mconv::quant
