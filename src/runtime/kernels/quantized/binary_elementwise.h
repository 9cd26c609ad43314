// The part every quantized two-input elementwise kernel (Add, Sub, Mul) shares: input checks,
// NumPy broadcasting and int8/uint8 dispatch. Each op only supplies its per-element integer
// arithmetic, fixed at kernel creation.
#pragma once

#include <vector>

#include "runtime/kernels/broadcast.h"
#include "runtime/kernels/kernel_util.h"
#include "runtime/kernels/quantized/quantized_util.h"

namespace mconv::runtime::quantized {

// A kernel computing out = op(a, b) elementwise over int8/uint8 codes of `dtype` (inputs named A
// and B, both of that type). `op(int32_t a_code, int32_t b_code, bool single_rounding)` returns
// the output code, already clamped to the type's range.
template <typename Op>
KernelPtr make_binary_kernel(DType dtype, Op op) {
  return kernels::make_lambda_kernel(
      [dtype, op](KernelInputs in, std::vector<Tensor>& out, const ExecContext& ctx) -> Status {
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
            return static_cast<T>(op(static_cast<int32_t>(x), static_cast<int32_t>(y), single));
          });
          return Status::Ok();
        });
      });
}

}  // namespace mconv::runtime::quantized
