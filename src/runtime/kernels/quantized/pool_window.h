// Window geometry of the integer 2-D pools (NHWC, no dilation, as TFLite's pools): per output
// row/column the input range the window covers and the pad-inclusive tap count.
#pragma once

#include <cstdint>
#include <vector>

#include "core/tensor.h"
#include "runtime/kernels/kernel_util.h"
#include "runtime/kernels/quantized/quantized_util.h"
#include "runtime/kernels/window2d.h"

namespace mconv::runtime::quantized {

// Window of one output position along one axis.
struct PoolSpan {
  int64_t begin = 0;     // first input index inside the window and the input
  int64_t end = 0;       // one past the last
  int64_t with_pad = 0;  // taps inside input + explicit pads (count_include_pad divisor)
};

struct QuantizedPoolProblem {
  int64_t batch = 0, channels = 0;  // N, C
  int64_t in_h = 0, in_w = 0;       // input spatial extent
  std::vector<PoolSpan> rows;       // per output row
  std::vector<PoolSpan> cols;       // per output column
  std::vector<int64_t> output_shape() const {
    return {batch, static_cast<int64_t>(rows.size()), static_cast<int64_t>(cols.size()), channels};
  }
};

// Fails unless the node is an NHWC pool without dilation.
Status check_pool_node(const ir::Node& node, const kernels::Window2d& window);

// Resolves the window against a rank-4 NHWC input.
Expected<QuantizedPoolProblem> resolve_quantized_pool(const kernels::Window2d& window,
                                                      const Tensor& x);

// Walks the output pixels of an NHWC pool in order: start() before each window, fold(px) for
// each input pixel inside it (px: its `channels` codes), finish(row, col) after it.
template <typename T, typename Start, typename Fold, typename Finish>
void for_each_pool_window(const QuantizedPoolProblem& p, const T* src, Start&& start, Fold&& fold,
                          Finish&& finish) {
  for (int64_t n = 0; n < p.batch; ++n)
    for (const PoolSpan& r : p.rows)
      for (const PoolSpan& c : p.cols) {
        start();
        for (int64_t h = r.begin; h < r.end; ++h)
          for (int64_t w = c.begin; w < c.end; ++w)
            fold(src + ((n * p.in_h + h) * p.in_w + w) * p.channels);
        finish(r, c);
      }
}

// The kernel of an integer pool over `dtype` codes: checks X, resolves the window, then calls
// run(p, src, dst, ctx) with src and dst typed as the codes (int8_t or uint8_t).
template <typename Run>
Expected<std::unique_ptr<Kernel>> make_quantized_pool_kernel(const kernels::Window2d& window,
                                                             DType dtype, Run run) {
  return kernels::make_lambda_kernel(
      [=](KernelInputs in, std::vector<Tensor>& out, const ExecContext& ctx) -> Status {
        MCONV_RETURN_IF_ERROR(kernels::require_input(in, 0, "X"));
        const Tensor& x = *in[0];
        MCONV_RETURN_IF_ERROR(require_tensor_dtype(x, dtype, "X"));
        MCONV_ASSIGN_OR_RETURN(QuantizedPoolProblem p, resolve_quantized_pool(window, x));
        out[0] = Tensor(dtype, p.output_shape());
        return dispatch_quantized(dtype, "X", [&](auto tag) {
          using T = decltype(tag);
          run(p, x.data<T>(), out[0].data<T>(), ctx);
          return Status::Ok();
        });
      });
}

}  // namespace mconv::runtime::quantized
