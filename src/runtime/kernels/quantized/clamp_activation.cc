#include "runtime/kernels/quantized/clamp_activation.h"

#include "runtime/kernels/kernel_util.h"

namespace mconv::runtime::quantized {

KernelPtr create_clamp_kernel(const ir::Node& node, float real_min, float real_max) {
  MCONV_ASSIGN_OR_RETURN(QuantInfo xq, input_quant(node, 0, "X"));
  MCONV_ASSIGN_OR_RETURN(QuantInfo yq, output_quant(node, 0, "Y"));
  MCONV_RETURN_IF_ERROR(require_same_dtype(xq, yq));
  Requantizer r;
  r.multipliers = {quantize_multiplier(xq.scale[0] / yq.scale[0])};
  r.output_zero_point = yq.zero_point[0];
  r.range = activation_range(yq, real_min, real_max);
  const int32_t in_zp = xq.zero_point[0];
  const DType dtype = yq.dtype;
  return kernels::make_lambda_kernel(
      [=](KernelInputs in, std::vector<Tensor>& out, const ExecContext& ctx) -> Status {
        const bool single = single_rounding(ctx);
        MCONV_RETURN_IF_ERROR(kernels::require_input(in, 0, "X"));
        const Tensor& x = *in[0];
        MCONV_RETURN_IF_ERROR(require_tensor_dtype(x, dtype, "X"));
        out[0] = Tensor(dtype, x.shape());
        return dispatch_quantized(dtype, "X", [&](auto tag) {
          using T = decltype(tag);
          const T* src = x.data<T>();
          T* dst = out[0].data<T>();
          for (int64_t i = 0, n = x.element_count(); i < n; ++i)
            dst[i] = static_cast<T>(r.apply(static_cast<int32_t>(src[i]) - in_zp, 0, single));
          return Status::Ok();
        });
      });
}

}  // namespace mconv::runtime::quantized
