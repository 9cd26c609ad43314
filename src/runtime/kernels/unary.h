// Elementwise unary ops: one tight loop over contiguous data, the op inlined into it.
#pragma once

#include "runtime/kernels/kernel_util.h"

namespace mconv::runtime::kernels {

// y[i] = fn(x[i]) for a tensor of element type T; y takes x's shape and dtype.
template <typename T, typename Fn>
void map_elements(const Tensor& x, Tensor& y, Fn fn) {
  y = Tensor(x.dtype(), x.shape());
  const T* in = x.data<T>();
  T* out = y.data<T>();
  const int64_t n = x.element_count();
  for (int64_t i = 0; i < n; ++i) out[i] = fn(in[i]);
}

// Kernel for a float-only unary op whose scalar function is `fn(float) -> float`.
template <typename Fn>
Expected<std::unique_ptr<Kernel>> make_f32_unary_kernel(Fn fn) {
  return make_lambda_kernel(
      [fn](KernelInputs in, std::vector<Tensor>& out, const ExecContext&) -> Status {
        MCONV_RETURN_IF_ERROR(require_input(in, 0, "X"));
        MCONV_RETURN_IF_ERROR(require_f32(*in[0], "X"));
        map_elements<float>(*in[0], out[0], fn);
        return Status::Ok();
      });
}

}  // namespace mconv::runtime::kernels
