// QuantizeLinear: y = saturate(round_half_to_even(x / scale) + zero_point), per-tensor or
// per-axis. The output type is the zero point's (i8, u8 or i16), u8 when it is absent.
#include <algorithm>
#include <cmath>
#include <limits>

#include "ir/op_attributes.h"
#include "runtime/kernels/kernel_factories.h"
#include "runtime/kernels/kernel_util.h"
#include "runtime/kernels/quant_params.h"

namespace mconv::runtime::kernels {
namespace {

template <typename Q>
void quantize(const QuantView& v, const float* x, Q* y) {
  constexpr float lo = static_cast<float>(std::numeric_limits<Q>::lowest());
  constexpr float hi = static_cast<float>(std::numeric_limits<Q>::max());
  for (int64_t o = 0; o < v.outer; ++o)
    for (int64_t c = 0; c < v.channels; ++c) {
      const float s = v.scale[c], zp = static_cast<float>(v.zero_point[c]);
      for (int64_t i = 0; i < v.inner; ++i, ++x, ++y) {
        // nearbyint rounds half to even in the default rounding mode; NaN quantizes to zp.
        const float q = std::nearbyint(*x / s);
        *y = static_cast<Q>(std::isnan(q) ? zp : std::clamp(q + zp, lo, hi));
      }
    }
}

}  // namespace

KernelPtr create_quantize_linear_kernel(const ir::Node& node) {
  MCONV_RETURN_IF_ERROR(check_no_block_size(node));
  const int64_t axis = ir::axis_attribute(node);
  return make_lambda_kernel(
      [axis](KernelInputs in, std::vector<Tensor>& out, const ExecContext&) -> Status {
        MCONV_RETURN_IF_ERROR(require_input(in, 0, "x"));
        MCONV_RETURN_IF_ERROR(require_input(in, 1, "y_scale"));
        const Tensor& x = *in[0];
        MCONV_RETURN_IF_ERROR(require_f32(x, "x"));
        const Tensor* zp = in.size() > 2 ? in[2] : nullptr;
        MCONV_ASSIGN_OR_RETURN(QuantView v, resolve_quant_view(x, *in[1], zp, axis));
        const DType qtype = zp ? zp->dtype() : DType::kU8;
        out[0] = Tensor(qtype, x.shape());
        return dispatch_types<int8_t, uint8_t, int16_t>(
            qtype,
            [&](auto tag) {
              quantize(v, x.data<float>(), out[0].data<decltype(tag)>());
              return Status::Ok();
            },
            [&] {
              return Status::Error("zero_point " + zp->describe() + ": unsupported quantized type");
            });
      });
}

}  // namespace mconv::runtime::kernels
