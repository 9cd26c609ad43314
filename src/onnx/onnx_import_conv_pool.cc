// Conv, BatchNormalization and the windowed pools: the layout-sensitive ops. Only 2-D windows
// (NCHW activations) are supported; auto_pad is resolved to explicit pads here.
#include <algorithm>
#include <string>
#include <vector>

#include "ir/window_geometry.h"
#include "onnx/onnx_import_ops.h"
#include "onnx/onnx_types.h"

namespace mconv::onnx {
namespace {

using ir::OpType;

// The window attributes shared by Conv and the pools, after defaults and auto_pad.
struct Window {
  std::vector<int64_t> kernel;     // [kH, kW]
  std::vector<int64_t> strides;    // [sH, sW]
  std::vector<int64_t> dilations;  // [dH, dW]
  std::vector<int64_t> pads;       // [top, left, bottom, right]
};

// Turns auto_pad SAME_UPPER/SAME_LOWER into explicit pads. With unit strides the padding does
// not depend on the input size; otherwise the input's spatial size must be known from the file.
Status resolve_same_pads(NodeImporter& n, const ir::Value* x, bool upper, Window* w) {
  bool unit_strides = w->strides[0] == 1 && w->strides[1] == 1;
  std::vector<int64_t> in(2, -1);
  if (x->has_shape && x->shape.size() == 4) in = {x->shape[2].size, x->shape[3].size};
  for (int i = 0; i < 2; ++i) {
    if (!unit_strides && in[i] < 0)
      return n.error(
          "auto_pad with stride > 1 needs the input's spatial size, and the file "
          "gives no static shape for '" +
          x->name + "'");
    // With unit strides the total padding is span - 1 whatever the input size.
    const int64_t extent = unit_strides ? ir::window_span(w->kernel[i], w->dilations[i]) : in[i];
    const ir::SamePadding same =
        ir::same_padding(extent, w->kernel[i], w->strides[i], w->dilations[i], upper);
    w->pads[i] = same.begin;
    w->pads[i + 2] = same.end;
  }
  return Status::Ok();
}

// Reads kernel_shape/strides/dilations/pads/auto_pad with defaults and validates them.
// `kernel_from_weight` supplies kernel_shape for Conv when the attribute is absent.
Status read_window(NodeImporter& n, const std::vector<int64_t>& kernel_from_weight, Window* w) {
  w->kernel = kernel_from_weight;
  MCONV_RETURN_IF_ERROR(n.attr("kernel_shape", &w->kernel));
  if (w->kernel.empty()) return n.error("kernel_shape is missing and cannot be inferred");
  if (w->kernel.size() != 2)
    return n.error("only 2-D windows are supported, got kernel_shape of rank " +
                   std::to_string(w->kernel.size()));
  w->strides = {1, 1};
  w->dilations = {1, 1};
  w->pads = {0, 0, 0, 0};
  MCONV_RETURN_IF_ERROR(n.attr("strides", &w->strides));
  MCONV_RETURN_IF_ERROR(n.attr("dilations", &w->dilations));
  MCONV_RETURN_IF_ERROR(n.attr("pads", &w->pads));
  if (w->strides.size() != 2 || w->dilations.size() != 2 || w->pads.size() != 4)
    return n.error("strides/dilations need 2 values and pads 4 for a 2-D window");
  constexpr int64_t kMaxWindow = 1 << 20;  // far beyond any real model; keeps arithmetic in range
  for (int i = 0; i < 2; ++i) {
    if (w->kernel[i] < 1 || w->kernel[i] > kMaxWindow || w->strides[i] < 1 ||
        w->strides[i] > kMaxWindow || w->dilations[i] < 1 || w->dilations[i] > kMaxWindow)
      return n.error("kernel_shape/strides/dilations must be in 1.." + std::to_string(kMaxWindow));
  }
  for (int64_t p : w->pads)
    if (p < 0 || p > kMaxWindow) return n.error("pads must be in 0.." + std::to_string(kMaxWindow));

  std::string auto_pad = "NOTSET";
  MCONV_RETURN_IF_ERROR(n.attr("auto_pad", &auto_pad));
  if (auto_pad == "NOTSET") return Status::Ok();
  if (auto_pad == "VALID") {
    w->pads = {0, 0, 0, 0};
    return Status::Ok();
  }
  if (auto_pad == "SAME_UPPER" || auto_pad == "SAME_LOWER")
    return resolve_same_pads(n, n.input(0), auto_pad == "SAME_UPPER", w);
  return n.error("unknown auto_pad '" + printable(auto_pad) + "'");
}

// Window attributes common to all windowed ops, as the IR names them.
ir::Attributes window_attrs(const Window& w) {
  ir::Attributes a;
  a.set("kernel_shape", w.kernel);
  a.set("strides", w.strides);
  a.set("pads", w.pads);
  return a;
}

Status read_pool(NodeImporter& n, Window* w, ir::Attributes* attrs) {
  MCONV_RETURN_IF_ERROR(read_window(n, {}, w));
  if (w->dilations != std::vector<int64_t>{1, 1})
    return n.error("dilated pooling is not supported");
  *attrs = window_attrs(*w);
  int64_t ceil_mode = 0;
  MCONV_RETURN_IF_ERROR(n.attr("ceil_mode", &ceil_mode));
  if (ceil_mode != 0 && ceil_mode != 1) return n.error("ceil_mode must be 0 or 1");
  attrs->set("ceil_mode", ceil_mode);
  return Status::Ok();
}

}  // namespace

Status import_conv(NodeImporter& n) {
  MCONV_RETURN_IF_ERROR(n.check_arity(2, 3, 1, 1));
  const ir::Value* weight = n.input(1);
  std::vector<int64_t> kernel_from_weight;
  if (weight->has_shape && weight->shape.size() >= 3 && ir::shape_is_static(weight->shape)) {
    for (size_t i = 2; i < weight->shape.size(); ++i)
      kernel_from_weight.push_back(weight->shape[i].size);
  }
  Window w;
  MCONV_RETURN_IF_ERROR(read_window(n, kernel_from_weight, &w));
  int64_t group = 1;
  MCONV_RETURN_IF_ERROR(n.attr("group", &group));
  if (group < 1) return n.error("group must be >= 1, got " + std::to_string(group));
  if (weight->has_shape && weight->shape.size() != 4)
    return n.error("weight '" + weight->name + "' has rank " +
                   std::to_string(weight->shape.size()) + ", only 2-D convolution is supported");
  ir::Attributes attrs = window_attrs(w);
  attrs.set("dilations", w.dilations);
  attrs.set("group", group);
  std::vector<ir::Value*> inputs = {n.input(0), n.input(1)};
  if (n.input(2)) inputs.push_back(n.input(2));
  return n.emit(OpType::kConv, std::move(inputs), std::move(attrs)).status();
}

Status import_batch_norm(NodeImporter& n) {
  MCONV_RETURN_IF_ERROR(n.check_arity(5, 5, 1, 3));
  MCONV_RETURN_IF_ERROR(n.drop_outputs_from(1));
  int64_t training_mode = 0;
  MCONV_RETURN_IF_ERROR(n.attr("training_mode", &training_mode));
  if (training_mode != 0) return n.error("training_mode=1 is not supported (inference only)");
  float epsilon = 1e-5f;
  MCONV_RETURN_IF_ERROR(n.attr("epsilon", &epsilon));
  ir::Attributes attrs;
  attrs.set("epsilon", epsilon);
  return n
      .emit(OpType::kBatchNormalization,
            {n.input(0), n.input(1), n.input(2), n.input(3), n.input(4)}, std::move(attrs))
      .status();
}

Status import_max_pool(NodeImporter& n) {
  MCONV_RETURN_IF_ERROR(n.check_arity(1, 1, 1, 2));
  MCONV_RETURN_IF_ERROR(n.drop_outputs_from(1));  // Indices
  Window w;
  ir::Attributes attrs;
  MCONV_RETURN_IF_ERROR(read_pool(n, &w, &attrs));
  return n.emit(OpType::kMaxPool, {n.input(0)}, std::move(attrs)).status();
}

Status import_average_pool(NodeImporter& n) {
  MCONV_RETURN_IF_ERROR(n.check_arity(1, 1, 1, 1));
  Window w;
  ir::Attributes attrs;
  MCONV_RETURN_IF_ERROR(read_pool(n, &w, &attrs));
  int64_t count_include_pad = 0;
  MCONV_RETURN_IF_ERROR(n.attr("count_include_pad", &count_include_pad));
  attrs.set("count_include_pad", count_include_pad != 0 ? int64_t{1} : int64_t{0});
  return n.emit(OpType::kAveragePool, {n.input(0)}, std::move(attrs)).status();
}

}  // namespace mconv::onnx
