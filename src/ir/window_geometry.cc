#include "ir/window_geometry.h"

#include <algorithm>
#include <string>

namespace mconv::ir {

int64_t window_span(int64_t kernel, int64_t dilation) {
  return (kernel - 1) * dilation + 1;
}

Expected<int64_t> window_output_size(int64_t in, int64_t kernel, int64_t stride, int64_t dilation,
                                     int64_t pad_begin, int64_t pad_end, bool ceil_mode) {
  int64_t span, padded;
  if (__builtin_mul_overflow(kernel - 1, dilation, &span) ||
      __builtin_add_overflow(span, 1, &span) || __builtin_add_overflow(in, pad_begin, &padded) ||
      __builtin_add_overflow(padded, pad_end, &padded))
    return Status::Error("window arithmetic overflows int64");
  if (padded < span)
    return Status::Error("kernel extent " + std::to_string(span) + " exceeds padded input " +
                         std::to_string(padded) + " (input " + std::to_string(in) + ", pads " +
                         std::to_string(pad_begin) + "+" + std::to_string(pad_end) + ")");
  const int64_t room = padded - span;
  int64_t out = room / stride + 1;
  if (ceil_mode && room % stride != 0) {
    ++out;
    // A last window starting inside the trailing pad would see no input: dropped.
    int64_t last_start;
    if (__builtin_mul_overflow(out - 1, stride, &last_start) || last_start >= in + pad_begin) --out;
  }
  return out;
}

SamePadding same_padding(int64_t in, int64_t kernel, int64_t stride, int64_t dilation,
                         bool extra_at_end) {
  SamePadding p;
  p.out = (in + stride - 1) / stride;
  const int64_t total =
      std::max<int64_t>(0, (p.out - 1) * stride + window_span(kernel, dilation) - in);
  p.begin = extra_at_end ? total / 2 : total - total / 2;
  p.end = total - p.begin;
  return p;
}

}  // namespace mconv::ir
