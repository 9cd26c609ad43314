#include "runtime/kernels/quantized/pool_window.h"

#include <algorithm>

namespace mconv::runtime::quantized {
namespace {

std::vector<PoolSpan> spans(const kernels::AxisExtent& e, int64_t in, int64_t kernel,
                            int64_t stride) {
  std::vector<PoolSpan> s(e.out);
  for (int64_t o = 0; o < e.out; ++o) {
    const int64_t start = o * stride - e.pad_begin;
    s[o].begin = std::clamp<int64_t>(start, 0, in);
    s[o].end = std::clamp<int64_t>(start + kernel, s[o].begin, in);
    s[o].with_pad = std::min(start + kernel, in + e.pad_end) - std::max(start, -e.pad_begin);
  }
  return s;
}

}  // namespace

Status check_pool_node(const ir::Node& node, const kernels::Window2d& window) {
  if (node.layout != ir::Layout::kNHWC)
    return Status::Error("the integer pools compute NHWC activations (TFLite layout) only");
  if (window.dilation_h != 1 || window.dilation_w != 1)
    return Status::Error("the integer pools do not support dilations");
  return Status::Ok();
}

Expected<QuantizedPoolProblem> resolve_quantized_pool(const kernels::Window2d& w, const Tensor& x) {
  if (x.rank() != 4) return Status::Error("X " + x.describe() + " must be rank 4 (NHWC)");
  QuantizedPoolProblem p;
  p.batch = x.dim(0);
  p.in_h = x.dim(1);
  p.in_w = x.dim(2);
  p.channels = x.dim(3);
  MCONV_ASSIGN_OR_RETURN(kernels::AxisExtent eh,
                         kernels::window_axis(p.in_h, w.kernel_h, w.stride_h, 1, w.pad_top,
                                              w.pad_bottom, w.auto_pad, w.ceil_mode));
  MCONV_ASSIGN_OR_RETURN(kernels::AxisExtent ew,
                         kernels::window_axis(p.in_w, w.kernel_w, w.stride_w, 1, w.pad_left,
                                              w.pad_right, w.auto_pad, w.ceil_mode));
  p.rows = spans(eh, p.in_h, w.kernel_h, w.stride_h);
  p.cols = spans(ew, p.in_w, w.kernel_w, w.stride_w);
  return p;
}

}  // namespace mconv::runtime::quantized
