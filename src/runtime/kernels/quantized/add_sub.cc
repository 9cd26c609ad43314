#include "runtime/kernels/quantized/add_sub.h"

#include "runtime/kernels/quantized/binary_elementwise.h"

namespace mconv::runtime::quantized {
namespace {

// Everything the elementwise loop needs, fixed at kernel creation.
struct AddSubParams {
  int32_t a_zero_point = 0, b_zero_point = 0;  // input offsets
  QuantizedMultiplier a_multiplier;            // s_a / (2 max(s_a, s_b)), < 1
  QuantizedMultiplier b_multiplier;            // s_b / (2 max(s_a, s_b)), < 1
  Requantizer output;                          // sum -> output code
  bool subtract = false;                       // Sub instead of Add
};

constexpr int kLeftShift = 20;  // TFLite's headroom for int8/uint8 inputs

}  // namespace

KernelPtr create_add_sub_kernel(const ir::Node& node, bool subtract) {
  MCONV_ASSIGN_OR_RETURN(QuantInfo aq, input_quant(node, 0, "A"));
  MCONV_ASSIGN_OR_RETURN(QuantInfo bq, input_quant(node, 1, "B"));
  MCONV_ASSIGN_OR_RETURN(QuantInfo yq, output_quant(node, 0, "C"));
  if (aq.dtype != yq.dtype || bq.dtype != yq.dtype)
    return Status::Error("inputs and output must share one quantized type");
  AddSubParams p;
  p.subtract = subtract;
  p.a_zero_point = aq.zero_point[0];
  p.b_zero_point = bq.zero_point[0];
  // TFLite computes 2 * max(s_a, s_b) in float, then the ratios in double.
  const double twice_max = static_cast<double>(
      2.0f * std::max(static_cast<float>(aq.scale[0]), static_cast<float>(bq.scale[0])));
  p.a_multiplier = quantize_multiplier(aq.scale[0] / twice_max);
  p.b_multiplier = quantize_multiplier(bq.scale[0] / twice_max);
  p.output.multipliers = {
      quantize_multiplier(twice_max / static_cast<double>(static_cast<float>(1 << kLeftShift) *
                                                          static_cast<float>(yq.scale[0])))};
  p.output.output_zero_point = yq.zero_point[0];
  p.output.range = full_range(yq.dtype);
  return make_binary_kernel(yq.dtype, [p](int32_t x, int32_t y, bool single) {
    const int32_t sx = rescale((x - p.a_zero_point) * (1 << kLeftShift), p.a_multiplier, single);
    const int32_t sy = rescale((y - p.b_zero_point) * (1 << kLeftShift), p.b_multiplier, single);
    return p.output.apply(p.subtract ? sx - sy : sx + sy, 0, single);
  });
}

}  // namespace mconv::runtime::quantized
