#include "runtime/kernels/pool2d.h"

#include <algorithm>

namespace mconv::runtime::kernels {
namespace {

// Taps [0, kernel) at start + t * dilation; count those in [lo, hi).
void count_taps(int64_t start, int64_t kernel, int64_t dilation, int64_t lo, int64_t hi,
                int64_t* first, int64_t* last) {
  // Smallest t with start + t*d >= lo, and one past the largest with start + t*d < hi.
  int64_t f = start >= lo ? 0 : (lo - start + dilation - 1) / dilation;
  int64_t l = start >= hi ? 0 : (hi - start + dilation - 1) / dilation;
  *first = std::min(f, kernel);
  *last = std::max(std::min(l, kernel), *first);
}

std::vector<TapSpan> spans(int64_t out, int64_t in, int64_t kernel, int64_t stride,
                           int64_t dilation, int64_t pad_begin, int64_t pad_end) {
  std::vector<TapSpan> s(out);
  for (int64_t o = 0; o < out; ++o) {
    TapSpan& t = s[o];
    t.start = o * stride - pad_begin;
    count_taps(t.start, kernel, dilation, 0, in, &t.first, &t.last);
    int64_t pf, pl;
    count_taps(t.start, kernel, dilation, -pad_begin, in + pad_end, &pf, &pl);
    t.with_pad = pl - pf;
  }
  return s;
}

}  // namespace

Expected<PoolProblem> resolve_pool(const Window2d& w, const Tensor& x, bool nhwc) {
  if (x.dtype() != DType::kF32) return Status::Error("X is " + x.describe() + ", expected f32");
  if (x.rank() != 4) return Status::Error("X " + x.describe() + " must be rank 4 (2-D pool)");
  PoolProblem p;
  p.nhwc = nhwc;
  p.batch = x.dim(0);
  p.channels = nhwc ? x.dim(3) : x.dim(1);
  p.in_h = nhwc ? x.dim(1) : x.dim(2);
  p.in_w = nhwc ? x.dim(2) : x.dim(3);
  p.dilation_h = w.dilation_h;
  p.dilation_w = w.dilation_w;
  MCONV_ASSIGN_OR_RETURN(AxisExtent eh,
                         window_axis(p.in_h, w.kernel_h, w.stride_h, w.dilation_h, w.pad_top,
                                     w.pad_bottom, w.auto_pad, w.ceil_mode));
  MCONV_ASSIGN_OR_RETURN(AxisExtent ew,
                         window_axis(p.in_w, w.kernel_w, w.stride_w, w.dilation_w, w.pad_left,
                                     w.pad_right, w.auto_pad, w.ceil_mode));
  p.out_h = eh.out;
  p.out_w = ew.out;
  p.rows = spans(p.out_h, p.in_h, w.kernel_h, w.stride_h, w.dilation_h, eh.pad_begin, eh.pad_end);
  p.cols = spans(p.out_w, p.in_w, w.kernel_w, w.stride_w, w.dilation_w, ew.pad_begin, ew.pad_end);
  return p;
}

}  // namespace mconv::runtime::kernels
