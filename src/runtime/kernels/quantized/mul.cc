// Integer Mul (TFLite MUL on int8/uint8): (a - a_zp) * (b - b_zp) in int32, scaled by
// s_a * s_b / s_out (double, as TFLite computes it), plus the output zero point. Numpy
// broadcasting (the squeeze-excite scale is [N,1,1,C] against [N,H,W,C]).
#include "runtime/kernels/broadcast.h"
#include "runtime/kernels/kernel_util.h"
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
  const DType dtype = yq.dtype;
  return kernels::make_lambda_kernel([=](KernelInputs in, std::vector<Tensor>& out,
                                         const ExecContext& ctx) -> Status {
    const bool single = single_rounding(ctx);
    MCONV_RETURN_IF_ERROR(kernels::require_input(in, 0, "A"));
    MCONV_RETURN_IF_ERROR(kernels::require_input(in, 1, "B"));
    const Tensor& a = *in[0];
    const Tensor& b = *in[1];
    MCONV_RETURN_IF_ERROR(require_tensor_dtype(a, dtype, "A"));
    MCONV_RETURN_IF_ERROR(require_tensor_dtype(b, dtype, "B"));
    MCONV_ASSIGN_OR_RETURN(kernels::BroadcastLoop loop,
                           kernels::plan_broadcast(a.shape(), b.shape()));
    out[0] = Tensor(dtype, loop.out_shape);
    return dispatch_quantized(dtype, "A", [&](auto tag) {
      using T = decltype(tag);
      kernels::broadcast_apply(loop, a.data<T>(), b.data<T>(), out[0].data<T>(), [&](T x, T y) {
        const int32_t product = (static_cast<int32_t>(x) - a_zp) * (static_cast<int32_t>(y) - b_zp);
        return static_cast<T>(output.apply(product, 0, single));
      });
      return Status::Ok();
    });
  });
}

}  // namespace mconv::runtime::quantized
