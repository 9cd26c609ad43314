// Pow: Z = X ^ Y with numpy broadcasting. ONNX lets the exponent have its own numeric type; the
// result has X's type. Float bases compute in float, integer bases in double then truncate.
#include <cmath>

#include "runtime/kernels/binary.h"
#include "runtime/kernels/kernel_factories.h"

namespace mconv::runtime::kernels {

KernelPtr create_pow_kernel(const ir::Node&) {
  return make_lambda_kernel(
      [](KernelInputs in, std::vector<Tensor>& out, const ExecContext&) -> Status {
        MCONV_RETURN_IF_ERROR(require_input(in, 0, "X"));
        MCONV_RETURN_IF_ERROR(require_input(in, 1, "Y"));
        const Tensor& x = *in[0];
        const Tensor& y = *in[1];
        if (x.dtype() == DType::kF32) {
          // Exponent of another type: convert once, then one float loop.
          Tensor yf = y.dtype() == DType::kF32
                          ? y
                          : Tensor::FromVector<float>(DType::kF32, y.shape(), y.to_f32());
          return run_same_type_binary(x, yf, out[0], [](auto a, auto b) {
            // Squaring is the common case (variance in normalisations); keep it exact and fast.
            return b == 2.0f ? a * a : std::pow(a, b);
          });
        }
        if (dtype_is_float(y.dtype())) {
          // Float exponent on an integer base: evaluate in double on the original exponent.
          MCONV_ASSIGN_OR_RETURN(BroadcastLoop loop, plan_broadcast(x.shape(), y.shape()));
          const std::vector<float> yf = y.to_f32();
          const std::vector<double> yd(yf.begin(), yf.end());
          out[0] = Tensor(x.dtype(), loop.out_shape);
          return dispatch_f32_i32_i64(x.dtype(), "X", [&](auto tag) {
            using T = decltype(tag);
            broadcast_apply(loop, x.data<T>(), yd.data(), out[0].data<T>(), [](T a, double b) {
              return static_cast<T>(std::pow(static_cast<double>(a), b));
            });
            return Status::Ok();
          });
        }
        return run_same_type_binary(x, y.cast(x.dtype()), out[0], [](auto a, auto b) {
          return std::pow(static_cast<double>(a), static_cast<double>(b));
        });
      });
}

}  // namespace mconv::runtime::kernels
