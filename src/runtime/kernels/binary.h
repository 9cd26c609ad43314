// Elementwise binary arithmetic with numpy broadcasting (Add, Sub, Mul, Div, Pow).
#pragma once

#include "runtime/kernels/broadcast.h"
#include "runtime/kernels/kernel_util.h"

namespace mconv::runtime::kernels {

// Runs `op` (a generic lambda) on two tensors of the same dtype among f32/i32/i64; the output has
// that dtype.
template <typename Op>
Status run_same_type_binary(const Tensor& a, const Tensor& b, Tensor& out, Op op) {
  if (a.dtype() != b.dtype())
    return Status::Error("input dtypes differ: A is " + a.describe() + ", B is " + b.describe());
  MCONV_ASSIGN_OR_RETURN(BroadcastLoop loop, plan_broadcast(a.shape(), b.shape()));
  out = Tensor(a.dtype(), loop.out_shape);
  return dispatch_f32_i32_i64(a.dtype(), "A", [&](auto tag) {
    using T = decltype(tag);
    broadcast_apply(loop, a.data<T>(), b.data<T>(), out.data<T>(),
                    [&op](T x, T y) { return static_cast<T>(op(x, y)); });
    return Status::Ok();
  });
}

// Kernel for an op that is the same generic function for every supported dtype.
template <typename Op>
Expected<std::unique_ptr<Kernel>> make_binary_kernel(Op op) {
  return make_lambda_kernel(
      [op](KernelInputs in, std::vector<Tensor>& out, const ExecContext&) -> Status {
        MCONV_RETURN_IF_ERROR(require_input(in, 0, "A"));
        MCONV_RETURN_IF_ERROR(require_input(in, 1, "B"));
        return run_same_type_binary(*in[0], *in[1], out[0], op);
      });
}

}  // namespace mconv::runtime::kernels
