// Integer Mul (TFLite MUL on int8/uint8): (a - a_zp) * (b - b_zp) in int32, scaled by
// s_a * s_b / s_out (double, as TFLite computes it), plus the output zero point. Numpy
// broadcasting (the squeeze-excite scale is [N,1,1,C] against [N,H,W,C]).
#include "runtime/kernels/quantized/binary_elementwise.h"
#include "runtime/kernels/quantized/quantized_kernels.h"

namespace mconv::runtime::quantized {

KernelPtr create_mul_kernel(const ir::Node& node) {
  MCONV_ASSIGN_OR_RETURN(QuantInfo aq, input_quant(node, 0, "A"));
  MCONV_ASSIGN_OR_RETURN(QuantInfo bq, input_quant(node, 1, "B"));
  MCONV_ASSIGN_OR_RETURN(QuantInfo yq, output_quant(node, 0, "C"));
  if (aq.dtype != yq.dtype || bq.dtype != yq.dtype)
    return Status::Error("inputs and output must share one quantized type");
  const int32_t a_zp = aq.zero_point[0], b_zp = bq.zero_point[0];
  Requantizer output;
  output.multipliers = {quantize_multiplier(aq.scale[0] * bq.scale[0] / yq.scale[0])};
  output.output_zero_point = yq.zero_point[0];
  output.range = full_range(yq.dtype);
  return make_binary_kernel(yq.dtype, [=](int32_t x, int32_t y, bool single) {
    return output.apply((x - a_zp) * (y - b_zp), 0, single);
  });
}

}  // namespace mconv::runtime::quantized
