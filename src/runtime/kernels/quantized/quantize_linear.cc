// QuantizeLinear in a quantized graph. From f32 it is the ONNX kernel (round half to even, which
// is also how XNNPACK, LiteRT's engine, rounds TFLite QUANTIZE). From an i8/u8 value it is
// TFLite's integer requantization (QUANTIZE int -> int): (x - in_zp) scaled by s_in / s_out with
// MultiplyByQuantizedMultiplier, plus out_zp, clamped; the parameters are read from the input and
// output values (the importer's scale/zero-point constants carry the same numbers).
#include "runtime/kernels/kernel_factories.h"
#include "runtime/kernels/kernel_util.h"
#include "runtime/kernels/quantized/quantized_kernels.h"

namespace mconv::runtime::quantized {

KernelPtr create_quantize_linear_kernel(const ir::Node& node) {
  const ir::Value* x = node.inputs.empty() ? nullptr : node.inputs[0];
  if (!x || !is_quantized_dtype(x->dtype)) return kernels::create_quantize_linear_kernel(node);
  MCONV_ASSIGN_OR_RETURN(QuantInfo xq, input_quant(node, 0, "x"));
  MCONV_ASSIGN_OR_RETURN(QuantInfo yq, output_quant(node, 0, "y"));
  Requantizer r;
  r.multipliers = {quantize_multiplier(xq.scale[0] / yq.scale[0])};
  r.output_zero_point = yq.zero_point[0];
  r.range = full_range(yq.dtype);
  const int32_t in_zp = xq.zero_point[0];
  const DType in_type = xq.dtype, out_type = yq.dtype;
  return kernels::make_lambda_kernel(
      [=](KernelInputs in, std::vector<Tensor>& out, const ExecContext& ctx) -> Status {
        const bool single = single_rounding(ctx);
        MCONV_RETURN_IF_ERROR(kernels::require_input(in, 0, "x"));
        const Tensor& t = *in[0];
        MCONV_RETURN_IF_ERROR(require_tensor_dtype(t, in_type, "x"));
        out[0] = Tensor(out_type, t.shape());
        return dispatch_quantized(in_type, "x", [&](auto in_tag) {
          using In = decltype(in_tag);
          return dispatch_quantized(out_type, "y", [&](auto out_tag) {
            using Out = decltype(out_tag);
            const In* src = t.data<In>();
            Out* dst = out[0].data<Out>();
            for (int64_t i = 0, n = t.element_count(); i < n; ++i)
              dst[i] = static_cast<Out>(r.apply(static_cast<int32_t>(src[i]) - in_zp, 0, single));
            return Status::Ok();
          });
        });
      });
}

}  // namespace mconv::runtime::quantized
