// Geometry of 2-D sliding windows (Conv, AveragePool, MaxPool): attribute parsing, output size
// with explicit pads / auto_pad / ceil_mode, and the range of output positions whose tap lands
// inside the input.
#pragma once

#include <cstdint>
#include <string>

#include "core/status.h"
#include "ir/graph.h"

namespace mconv::runtime::kernels {

struct Window2d {
  int64_t kernel_h = 0, kernel_w = 0;      // window size; 0 = take it from the weight (Conv)
  int64_t stride_h = 1, stride_w = 1;      // step between windows
  int64_t dilation_h = 1, dilation_w = 1;  // step between taps inside a window
  int64_t pad_top = 0, pad_left = 0;       // explicit leading pads (ONNX pads[0], pads[1])
  int64_t pad_bottom = 0, pad_right = 0;   // explicit trailing pads (ONNX pads[2], pads[3])
  std::string auto_pad = "NOTSET";         // NOTSET, SAME_UPPER, SAME_LOWER or VALID
  bool ceil_mode = false;                  // pools only: round the output size up
};

// Reads kernel_shape, strides, dilations, pads, auto_pad and ceil_mode. Requires kernel_shape
// when `kernel_required`.
Expected<Window2d> parse_window2d(const ir::Node& node, bool kernel_required);

// One spatial axis after resolving auto_pad and ceil_mode for a concrete input extent.
struct AxisExtent {
  int64_t out = 0;        // number of output positions
  int64_t pad_begin = 0;  // leading pad actually applied
  int64_t pad_end = 0;    // trailing pad actually applied
};
Expected<AxisExtent> window_axis(int64_t in, int64_t kernel, int64_t stride, int64_t dilation,
                                 int64_t pad_begin, int64_t pad_end, const std::string& auto_pad,
                                 bool ceil_mode);

// Output positions o in [lo, hi) with 0 <= o * stride + offset < in (hi <= out).
struct ValidRange {
  int64_t lo = 0;  // first output position reading inside the input
  int64_t hi = 0;  // one past the last
};
ValidRange valid_range(int64_t offset, int64_t stride, int64_t in, int64_t out);

}  // namespace mconv::runtime::kernels
