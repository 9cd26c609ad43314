// AveragePool (2-D, NCHW or NHWC): mean over each window. Padding is excluded from the divisor
// unless count_include_pad, in which case the divisor counts taps inside input + explicit pads
// but never the extra positions ceil_mode adds (the ONNX Runtime / PyTorch rule).
#include <algorithm>

#include "runtime/kernels/kernel_factories.h"
#include "runtime/kernels/kernel_util.h"
#include "runtime/kernels/pool2d.h"

namespace mconv::runtime::kernels {
namespace {

struct AverageReduce {
  bool count_include_pad = false;

  float divisor(const TapSpan& r, const TapSpan& c) const {
    const int64_t n =
        count_include_pad ? r.with_pad * c.with_pad : (r.last - r.first) * (c.last - c.first);
    return static_cast<float>(std::max<int64_t>(n, 1));
  }
  float init() const { return 0.0f; }
  float add(float sum, float x) const { return sum + x; }
  float finish(float sum, const TapSpan& r, const TapSpan& c) const { return sum / divisor(r, c); }
  // One reciprocal per pixel, multiplied into every channel.
  void finish_pixel(float* y, int64_t channels, const TapSpan& r, const TapSpan& c) const {
    const float inv = 1.0f / divisor(r, c);
    for (int64_t k = 0; k < channels; ++k) y[k] *= inv;
  }
};

}  // namespace

KernelPtr create_average_pool_kernel(const ir::Node& node) {
  MCONV_ASSIGN_OR_RETURN(Window2d window, parse_window2d(node, true));
  const bool include_pad = node.attrs.get_int("count_include_pad", 0) != 0;
  return make_pool_kernel(window, node.layout == ir::Layout::kNHWC, AverageReduce{include_pad});
}

}  // namespace mconv::runtime::kernels
