// Integer HardSwish (TFLite HARD_SWISH on int8/uint8), x * relu6(x + 3) / 6, in TFLite's 16-bit
// fixed-point scheme:
//   - the input, minus its zero point, is moved to a "hires" scale s_in / 128 (x << 7);
//   - on one path it is rescaled to the output scale (without the final right shift yet)
//     by the int16 multiplier (s_in / 128) / s_out;
//   - on the other it becomes the "reluish" factor: rescaled so that real 3.0 is 32768
//     (saturating, with the careful left-shift split TFLite uses), then mapped from [-1, 1] to
//     [0, 1] as (v + 32768) >> 1;
//   - the two are multiplied with the non-rounding doubling high multiply (which cancels the
//     bias of the rounding ones), then shifted right by the output exponent and offset.
// Multipliers are derived in float and rounded to Q0.15 as TFLite's HardSwishPrepare does.
#include "runtime/kernels/quantized/lookup_table.h"
#include "runtime/kernels/quantized/quantized_kernels.h"

namespace mconv::runtime::quantized {
namespace {

struct HardSwishParams {
  int32_t input_zero_point = 0;    // subtracted from each code
  int32_t output_zero_point = 0;   // added at the end
  int16_t output_multiplier = 0;   // Q0.15 of (s_in / 128) / s_out
  int output_exponent = 0;         // its exponent (<= 0)
  int16_t reluish_multiplier = 0;  // Q0.15 of (s_in / 128) / (3 / 32768)
  int reluish_exponent = 0;        // its exponent (either sign)
  int32_t min = 0, max = 0;        // output dtype range
};

int32_t hard_swish_code(const HardSwishParams& p, int32_t code) {
  const int16_t input = static_cast<int16_t>(code - p.input_zero_point);
  const int16_t hires = static_cast<int16_t>(input * (1 << 7));
  const int16_t preshift_output = saturating_rounding_doubling_high_mul(hires, p.output_multiplier);
  int16_t reluish = hires;
  // Left shifts: all but one bit before the multiply, the last bit after, so any saturation that
  // matters happens at the end.
  if (p.reluish_exponent > 0) reluish = saturating_left_shift(reluish, p.reluish_exponent - 1);
  reluish = saturating_rounding_doubling_high_mul(reluish, p.reluish_multiplier);
  if (p.reluish_exponent > 0) reluish = saturating_left_shift(reluish, 1);
  if (p.reluish_exponent < 0) reluish = rounding_divide_by_pot(reluish, -p.reluish_exponent);
  reluish = static_cast<int16_t>((static_cast<int32_t>(reluish) + (1 << 15)) >> 1);
  const int16_t preshift = saturating_doubling_high_mul(reluish, preshift_output);
  int32_t out = rounding_divide_by_pot(preshift, -p.output_exponent);
  out += p.output_zero_point;
  return std::min(std::max(out, p.min), p.max);
}

}  // namespace

KernelPtr create_hard_swish_kernel(const ir::Node& node) {
  MCONV_ASSIGN_OR_RETURN(QuantInfo xq, input_quant(node, 0, "X"));
  MCONV_ASSIGN_OR_RETURN(QuantInfo yq, output_quant(node, 0, "Y"));
  MCONV_RETURN_IF_ERROR(require_same_dtype(xq, yq));
  HardSwishParams p;
  p.input_zero_point = xq.zero_point[0];
  p.output_zero_point = yq.zero_point[0];
  p.min = dtype_min(yq.dtype);
  p.max = dtype_max(yq.dtype);
  const float hires_input_scale = (1.0f / 128.0f) * static_cast<float>(xq.scale[0]);
  const float reluish_scale = 3.0f / 32768.0f;
  const QuantizedMultiplier out_m =
      quantize_multiplier(hires_input_scale / static_cast<float>(yq.scale[0]));
  p.output_multiplier = downscale_multiplier_to_int16(out_m.multiplier);
  p.output_exponent = out_m.shift;
  if (p.output_exponent > 0)
    return Status::Error("output scale is too small for the input scale (s_in / 128 / s_out >= 1)");
  const QuantizedMultiplier relu_m = quantize_multiplier(hires_input_scale / reluish_scale);
  p.reluish_multiplier = downscale_multiplier_to_int16(relu_m.multiplier);
  p.reluish_exponent = relu_m.shift;
  // Every code has a fixed image: a 256-entry table.
  std::vector<uint8_t> table(256);
  for (int32_t code = dtype_min(xq.dtype); code <= dtype_max(xq.dtype); ++code)
    table[static_cast<uint8_t>(code)] = static_cast<uint8_t>(hard_swish_code(p, code));
  return make_table_kernel(yq.dtype, std::move(table));
}

}  // namespace mconv::runtime::quantized
