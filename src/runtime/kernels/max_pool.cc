// MaxPool (2-D, NCHW or NHWC, dilations, ceil_mode): max over the window taps inside the input;
// padding never wins. Only the values output is supported (no Indices).
#include <algorithm>
#include <limits>

#include "runtime/kernels/kernel_factories.h"
#include "runtime/kernels/kernel_util.h"
#include "runtime/kernels/pool2d.h"

namespace mconv::runtime::kernels {
namespace {

struct MaxReduce {
  float init() const { return std::numeric_limits<float>::lowest(); }
  float add(float best, float x) const { return std::max(best, x); }
  float finish(float best, const TapSpan&, const TapSpan&) const { return best; }
  void finish_pixel(float*, int64_t, const TapSpan&, const TapSpan&) const {}
};

}  // namespace

KernelPtr create_max_pool_kernel(const ir::Node& node) {
  MCONV_ASSIGN_OR_RETURN(Window2d window, parse_window2d(node, true));
  if (node.attrs.get_int("storage_order", 0) != 0)
    return Status::Error("storage_order=1 is not supported");
  if (node.outputs.size() > 1) return Status::Error("the Indices output is not supported");
  return make_pool_kernel(window, node.layout == ir::Layout::kNHWC, MaxReduce{});
}

}  // namespace mconv::runtime::kernels
