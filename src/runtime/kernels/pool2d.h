// Shared geometry of the 2-D pools (AveragePool, MaxPool): the resolved problem and, per output
// row/column, which window taps land inside the input.
#pragma once

#include <algorithm>
#include <cstdint>
#include <vector>

#include "core/tensor.h"
#include "runtime/kernels/kernel_util.h"
#include "runtime/kernels/window2d.h"

namespace mconv::runtime::kernels {

// Taps of one window along one axis: tap t reads input position start + t * dilation.
struct TapSpan {
  int64_t start = 0;     // input position of tap 0 (may be negative: leading pad)
  int64_t first = 0;     // first tap inside the input
  int64_t last = 0;      // one past the last tap inside the input
  int64_t with_pad = 0;  // taps inside input + explicit pads (count_include_pad divisor)
};

struct PoolProblem {
  int64_t batch = 0, channels = 0;         // N, C
  int64_t in_h = 0, in_w = 0;              // input spatial extent
  int64_t out_h = 0, out_w = 0;            // output spatial extent
  int64_t dilation_h = 1, dilation_w = 1;  // tap step
  std::vector<TapSpan> rows;               // per output row
  std::vector<TapSpan> cols;               // per output column
  bool nhwc = false;                       // channels-last activations

  std::vector<int64_t> output_shape() const {
    return nhwc ? std::vector<int64_t>{batch, out_h, out_w, channels}
                : std::vector<int64_t>{batch, channels, out_h, out_w};
  }
};

// Resolves the window against a rank-4 f32 input.
Expected<PoolProblem> resolve_pool(const Window2d& window, const Tensor& x, bool nhwc);

// One walk over every output position of a 2-D pool, folding the taps inside the input in
// order: `Reduce` gives init() (the empty accumulator), add(acc, x) (one tap folded in) and
// finish(acc, row, col) (the output value). NHWC folds a whole pixel of channels per tap;
// finish_pixel(y, channels, row, col) then finishes them in place.
template <typename Reduce>
void pool_nchw(const PoolProblem& p, const Reduce& reduce, const float* x, float* y) {
  for (int64_t plane = 0; plane < p.batch * p.channels; ++plane) {
    const float* in = x + plane * p.in_h * p.in_w;
    for (int64_t oy = 0; oy < p.out_h; ++oy) {
      const TapSpan& r = p.rows[oy];
      for (int64_t ox = 0; ox < p.out_w; ++ox, ++y) {
        const TapSpan& c = p.cols[ox];
        float acc = reduce.init();
        for (int64_t ty = r.first; ty < r.last; ++ty) {
          const float* row = in + (r.start + ty * p.dilation_h) * p.in_w;
          for (int64_t tx = c.first; tx < c.last; ++tx)
            acc = reduce.add(acc, row[c.start + tx * p.dilation_w]);
        }
        *y = reduce.finish(acc, r, c);
      }
    }
  }
}

template <typename Reduce>
void pool_nhwc(const PoolProblem& p, const Reduce& reduce, const float* x, float* y) {
  const int64_t ch = p.channels;
  for (int64_t n = 0; n < p.batch; ++n) {
    const float* image = x + n * p.in_h * p.in_w * ch;
    for (int64_t oy = 0; oy < p.out_h; ++oy) {
      const TapSpan& r = p.rows[oy];
      for (int64_t ox = 0; ox < p.out_w; ++ox, y += ch) {
        const TapSpan& c = p.cols[ox];
        std::fill(y, y + ch, reduce.init());
        for (int64_t ty = r.first; ty < r.last; ++ty) {
          const int64_t iy = r.start + ty * p.dilation_h;
          for (int64_t tx = c.first; tx < c.last; ++tx) {
            const float* px = image + (iy * p.in_w + c.start + tx * p.dilation_w) * ch;
            for (int64_t k = 0; k < ch; ++k) y[k] = reduce.add(y[k], px[k]);
          }
        }
        reduce.finish_pixel(y, ch, r, c);
      }
    }
  }
}

// The kernel of a float 2-D pool: checks X, resolves the window and runs `reduce` in the node's
// layout.
template <typename Reduce>
Expected<std::unique_ptr<Kernel>> make_pool_kernel(const Window2d& window, bool nhwc,
                                                   Reduce reduce) {
  return make_lambda_kernel(
      [=](KernelInputs in, std::vector<Tensor>& out, const ExecContext&) -> Status {
        MCONV_RETURN_IF_ERROR(require_input(in, 0, "X"));
        MCONV_ASSIGN_OR_RETURN(PoolProblem p, resolve_pool(window, *in[0], nhwc));
        out[0] = Tensor(DType::kF32, p.output_shape());
        if (nhwc) {
          pool_nhwc(p, reduce, in[0]->data<float>(), out[0].data<float>());
        } else {
          pool_nchw(p, reduce, in[0]->data<float>(), out[0].data<float>());
        }
        return Status::Ok();
      });
}

}  // namespace mconv::runtime::kernels
