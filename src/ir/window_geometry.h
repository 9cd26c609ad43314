// Geometry of sliding windows (Conv, AveragePool, MaxPool) along one spatial axis: the one place
// where output sizes and SAME padding are computed. Shape inference, the interpreter's kernels,
// both importers and the TFLite exporter use it, so they cannot disagree on a window.
#pragma once

#include <cstdint>

#include "core/status.h"

namespace mconv::ir {

// Input extent one window covers: (kernel - 1) * dilation + 1.
int64_t window_span(int64_t kernel, int64_t dilation);

// Output positions of a window sliding over `in` elements padded by pad_begin/pad_end. With
// ceil_mode a last partial window counts when it starts inside the input or the leading pad (the
// PyTorch / ONNX Runtime rule). Error when the window does not fit or the arithmetic overflows.
// Expects kernel, stride, dilation >= 1 and non-negative pads.
Expected<int64_t> window_output_size(int64_t in, int64_t kernel, int64_t stride, int64_t dilation,
                                     int64_t pad_begin, int64_t pad_end, bool ceil_mode);

// SAME padding (TensorFlow/TFLite "SAME", ONNX SAME_UPPER, or SAME_LOWER when !extra_at_end):
// ceil(in / stride) outputs, the total padding split with the odd element at the end (or the
// beginning).
struct SamePadding {
  int64_t out = 0;    // output positions
  int64_t begin = 0;  // leading pad
  int64_t end = 0;    // trailing pad
};
SamePadding same_padding(int64_t in, int64_t kernel, int64_t stride, int64_t dilation,
                         bool extra_at_end = true);

}  // namespace mconv::ir
