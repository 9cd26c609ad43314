// DequantizeLinear: y = (x - zero_point) * scale in f32, per-tensor or per-axis, for i8/u8/i16/
// i32 inputs (i32 is the bias case, whose zero point must be 0).
#include "ir/op_attributes.h"
#include "runtime/kernels/kernel_factories.h"
#include "runtime/kernels/kernel_util.h"
#include "runtime/kernels/quant_params.h"

namespace mconv::runtime::kernels {
namespace {

template <typename Q>
void dequantize(const QuantView& v, const Q* x, float* y) {
  for (int64_t o = 0; o < v.outer; ++o)
    for (int64_t c = 0; c < v.channels; ++c) {
      const float s = v.scale[c];
      const int64_t zp = v.zero_point[c];
      for (int64_t i = 0; i < v.inner; ++i, ++x, ++y)
        *y = static_cast<float>(static_cast<int64_t>(*x) - zp) * s;
    }
}

}  // namespace

KernelPtr create_dequantize_linear_kernel(const ir::Node& node) {
  MCONV_RETURN_IF_ERROR(check_no_block_size(node));
  const int64_t axis = ir::axis_attribute(node);
  return make_lambda_kernel(
      [axis](KernelInputs in, std::vector<Tensor>& out, const ExecContext&) -> Status {
        MCONV_RETURN_IF_ERROR(require_input(in, 0, "x"));
        MCONV_RETURN_IF_ERROR(require_input(in, 1, "x_scale"));
        const Tensor& x = *in[0];
        const Tensor* zp = in.size() > 2 ? in[2] : nullptr;
        if (zp && zp->dtype() != x.dtype())
          return Status::Error("zero_point " + zp->describe() + " must have the dtype of x " +
                               x.describe());
        MCONV_ASSIGN_OR_RETURN(QuantView v, resolve_quant_view(x, *in[1], zp, axis));
        out[0] = Tensor(DType::kF32, x.shape());
        float* y = out[0].data<float>();
        return dispatch_types<int8_t, uint8_t, int16_t, int32_t>(
            x.dtype(),
            [&](auto tag) {
              dequantize(v, x.data<decltype(tag)>(), y);
              return Status::Ok();
            },
            [&] { return Status::Error("x is " + x.describe() + ": unsupported quantized type"); });
      });
}

}  // namespace mconv::runtime::kernels
