#include "runtime/kernels/window2d.h"

#include <algorithm>

#include "ir/window_geometry.h"

namespace mconv::runtime::kernels {
namespace {

constexpr int64_t kMaxWindowValue = int64_t{1} << 30;  // bound on kernel/stride/pad values

int64_t ceil_div(int64_t a, int64_t b) {
  return (a + b - 1) / b;
}  // a >= 0, b > 0

Status require_pair(const std::vector<int64_t>& v, const char* name) {
  if (v.size() != 2)
    return Status::Error(std::string(name) + " has " + std::to_string(v.size()) +
                         " values, only 2-D windows are supported");
  // The upper bound keeps every later size computation far from int64 overflow.
  if (v[0] < 1 || v[1] < 1 || v[0] > kMaxWindowValue || v[1] > kMaxWindowValue)
    return Status::Error(std::string(name) + " must be in [1, 2^30]");
  return Status::Ok();
}

}  // namespace

Expected<Window2d> parse_window2d(const ir::Node& node, bool kernel_required) {
  Window2d w;
  const auto& a = node.attrs;
  if (a.has("kernel_shape")) {
    auto k = a.get_ints("kernel_shape");
    MCONV_RETURN_IF_ERROR(require_pair(k, "kernel_shape"));
    w.kernel_h = k[0];
    w.kernel_w = k[1];
  } else if (kernel_required) {
    return Status::Error("missing attribute kernel_shape");
  }
  auto strides = a.get_ints("strides", {1, 1});
  MCONV_RETURN_IF_ERROR(require_pair(strides, "strides"));
  w.stride_h = strides[0];
  w.stride_w = strides[1];
  auto dilations = a.get_ints("dilations", {1, 1});
  MCONV_RETURN_IF_ERROR(require_pair(dilations, "dilations"));
  w.dilation_h = dilations[0];
  w.dilation_w = dilations[1];
  auto pads = a.get_ints("pads", {0, 0, 0, 0});
  if (pads.size() != 4)
    return Status::Error("pads has " + std::to_string(pads.size()) + " values, expected 4");
  if (*std::min_element(pads.begin(), pads.end()) < 0)
    return Status::Error("negative pads are not supported");
  if (*std::max_element(pads.begin(), pads.end()) > kMaxWindowValue)
    return Status::Error("pads must be at most 2^30");
  w.pad_top = pads[0];
  w.pad_left = pads[1];
  w.pad_bottom = pads[2];
  w.pad_right = pads[3];
  w.auto_pad = a.get_string("auto_pad", "NOTSET");
  if (w.auto_pad != "NOTSET" && w.auto_pad != "SAME_UPPER" && w.auto_pad != "SAME_LOWER" &&
      w.auto_pad != "VALID")
    return Status::Error("unknown auto_pad '" + w.auto_pad + "'");
  w.ceil_mode = a.get_int("ceil_mode", 0) != 0;
  return w;
}

Expected<AxisExtent> window_axis(int64_t in, int64_t kernel, int64_t stride, int64_t dilation,
                                 int64_t pad_begin, int64_t pad_end, const std::string& auto_pad,
                                 bool ceil_mode) {
  AxisExtent e;
  if (auto_pad == "SAME_UPPER" || auto_pad == "SAME_LOWER") {
    // SAME_UPPER puts the odd extra pad at the end, SAME_LOWER at the beginning.
    const ir::SamePadding same =
        ir::same_padding(in, kernel, stride, dilation, auto_pad == "SAME_UPPER");
    e.out = same.out;
    e.pad_begin = same.begin;
    e.pad_end = same.end;
    return e;
  }
  if (auto_pad == "VALID") pad_begin = pad_end = 0;
  e.pad_begin = pad_begin;
  e.pad_end = pad_end;
  MCONV_ASSIGN_OR_RETURN(
      e.out, ir::window_output_size(in, kernel, stride, dilation, pad_begin, pad_end, ceil_mode));
  return e;
}

ValidRange valid_range(int64_t offset, int64_t stride, int64_t in, int64_t out) {
  ValidRange r;
  r.lo = offset >= 0 ? 0 : ceil_div(-offset, stride);
  r.hi = in - offset <= 0 ? 0 : ceil_div(in - offset, stride);
  r.hi = std::min(r.hi, out);
  r.lo = std::min(r.lo, r.hi);
  return r;
}

}  // namespace mconv::runtime::kernels
