// Relu: y = max(x, 0). Also defined on signed integers, as in ONNX.
#include "runtime/kernels/kernel_factories.h"
#include "runtime/kernels/unary.h"

namespace mconv::runtime::kernels {

KernelPtr create_relu_kernel(const ir::Node&) {
  return make_lambda_kernel(
      [](KernelInputs in, std::vector<Tensor>& out, const ExecContext&) -> Status {
        MCONV_RETURN_IF_ERROR(require_input(in, 0, "X"));
        const Tensor& x = *in[0];
        return dispatch_f32_i32_i64(x.dtype(), "X", [&](auto tag) {
          using T = decltype(tag);
          map_elements<T>(x, out[0], [](T v) { return v > T(0) ? v : T(0); });
          return Status::Ok();
        });
      });
}

}  // namespace mconv::runtime::kernels
