// Layout-sensitive ops: Conv, pooling and BatchNormalization. The channel axis is 1 for NCHW and
// last for NHWC (Node::layout; kNone is read as NCHW, the ONNX default); the batch dim, symbol
// included, passes through.
#include "ir/window_geometry.h"
#include "passes/shapes/shape_functions.h"

namespace mconv::passes::shapes {
namespace {

struct Axes {
  int channel;               // channel axis of the activation
  std::vector<int> spatial;  // spatial axes in order (H, W, ...)
};

Axes layout_axes(const ir::Node& node, int rank) {
  Axes axes;
  if (node.layout == ir::Layout::kNHWC) {
    axes.channel = rank - 1;
    for (int i = 1; i < rank - 1; ++i) axes.spatial.push_back(i);
  } else {
    axes.channel = 1;
    for (int i = 2; i < rank; ++i) axes.spatial.push_back(i);
  }
  return axes;
}

// Reads an attribute of `count` positive ints (default `fallback` each).
Expected<std::vector<int64_t>> positive_ints(const ShapeContext& ctx, const char* name,
                                             size_t count, int64_t fallback) {
  std::vector<int64_t> values = ctx.attrs().get_ints(name, std::vector<int64_t>(count, fallback));
  if (values.size() != count)
    return ctx.error(std::string("attribute '") + name + "' has " + std::to_string(values.size()) +
                     " entries, expected " + std::to_string(count));
  for (int64_t v : values)
    if (v <= 0)
      return ctx.error(std::string("attribute '") + name + "' " + dims_string(values) +
                       " must be positive");
  return values;
}

Expected<std::vector<int64_t>> read_pads(const ShapeContext& ctx, size_t spatial) {
  std::vector<int64_t> pads = ctx.attrs().get_ints("pads", std::vector<int64_t>(2 * spatial, 0));
  if (pads.size() != 2 * spatial)
    return ctx.error("attribute 'pads' has " + std::to_string(pads.size()) + " entries, expected " +
                     std::to_string(2 * spatial));
  for (int64_t p : pads)
    if (p < 0) return ctx.error("attribute 'pads' " + dims_string(pads) + " must not be negative");
  return pads;
}

// Output size of a sliding window along one axis (ir::window_output_size: ONNX/PyTorch rules,
// ceil_mode included).
Expected<ir::Dim> window_output(const ShapeContext& ctx, const ir::Dim& in, int64_t kernel,
                                int64_t stride, int64_t dilation, int64_t pad_begin,
                                int64_t pad_end, bool ceil_mode) {
  if (!in.known()) return unknown_dim();
  Expected<int64_t> out =
      ir::window_output_size(in.size, kernel, stride, dilation, pad_begin, pad_end, ceil_mode);
  if (!out.ok()) return ctx.error(out.status().message());
  return known_dim(*out);
}

struct Window {
  std::vector<int64_t> kernel, strides, dilations, pads;  // per spatial axis (pads: 2x)
  bool ceil_mode = false;                                 // round output size up
};

Expected<ir::Shape> windowed_shape(const ShapeContext& ctx, const ir::Shape& in, const Axes& axes,
                                   const Window& w, const ir::Dim& channels) {
  ir::Shape out = in;
  out[axes.channel] = channels;
  size_t n = axes.spatial.size();
  for (size_t i = 0; i < n; ++i) {
    MCONV_ASSIGN_OR_RETURN(out[axes.spatial[i]],
                           window_output(ctx, in[axes.spatial[i]], w.kernel[i], w.strides[i],
                                         w.dilations[i], w.pads[i], w.pads[i + n], w.ceil_mode));
  }
  return out;
}

}  // namespace

Status infer_Conv(ShapeContext& ctx) {
  DType dtype = ctx.dtype(0);
  if (!ctx.has_shape(0) || !ctx.has_shape(1)) {
    ctx.set_output_rank_unknown(0, dtype);
    return Status::Ok();
  }
  const ir::Shape& x = ctx.shape(0);
  const ir::Shape& w = ctx.shape(1);
  if (x.size() < 3) return ctx.error("input rank " + std::to_string(x.size()) + " is below 3");
  if (w.size() != x.size())
    return ctx.error("weight rank " + std::to_string(w.size()) + " does not match input rank " +
                     std::to_string(x.size()));
  Axes axes = layout_axes(ctx.node(), static_cast<int>(x.size()));
  size_t spatial = axes.spatial.size();
  int64_t group = ctx.attrs().get_int("group", 1);
  if (group <= 0) return ctx.error("group " + std::to_string(group) + " must be positive");

  Window win;
  std::vector<int64_t> weight_kernel;
  for (size_t i = 2; i < w.size(); ++i) weight_kernel.push_back(w[i].size);
  if (ctx.attrs().has("kernel_shape")) {
    MCONV_ASSIGN_OR_RETURN(win.kernel, positive_ints(ctx, "kernel_shape", spatial, 1));
    for (size_t i = 0; i < spatial; ++i)
      if (weight_kernel[i] >= 0 && weight_kernel[i] != win.kernel[i])
        return ctx.error("kernel_shape " + dims_string(win.kernel) +
                         " does not match weight shape " + ir::shape_string(w));
  } else {
    for (int64_t k : weight_kernel)
      if (k < 0) {
        ctx.set_output_rank_unknown(0, dtype);
        return Status::Ok();
      }
    win.kernel = weight_kernel;
  }
  MCONV_ASSIGN_OR_RETURN(win.strides, positive_ints(ctx, "strides", spatial, 1));
  MCONV_ASSIGN_OR_RETURN(win.dilations, positive_ints(ctx, "dilations", spatial, 1));
  MCONV_ASSIGN_OR_RETURN(win.pads, read_pads(ctx, spatial));

  const ir::Dim& in_channels = x[axes.channel];
  const ir::Dim& out_channels = w[0];
  if (out_channels.known() && out_channels.size % group != 0)
    return ctx.error("weight output channels " + std::to_string(out_channels.size) +
                     " are not divisible by group " + std::to_string(group));
  if (in_channels.known() && w[1].known()) {
    int64_t expected;
    if (!checked_mul(w[1].size, group, &expected) || expected != in_channels.size)
      return ctx.error("weight expects " + std::to_string(w[1].size) + " x group " +
                       std::to_string(group) + " input channels but the input has " +
                       std::to_string(in_channels.size) + " (input " + ir::shape_string(x) +
                       ", weight " + ir::shape_string(w) + ")");
  }
  if (ctx.has_shape(2)) {
    const ir::Shape& b = ctx.shape(2);
    ir::Dim merged;
    if (b.size() != 1 || !merge_dims(b[0], out_channels, &merged))
      return ctx.error("bias shape " + ir::shape_string(b) + " does not match " +
                       (out_channels.known() ? std::to_string(out_channels.size) : "?") +
                       " output channels");
  }
  MCONV_ASSIGN_OR_RETURN(ir::Shape out, windowed_shape(ctx, x, axes, win, out_channels));
  ctx.set_output(0, dtype, std::move(out));
  return Status::Ok();
}

namespace {

Status infer_pool(ShapeContext& ctx, bool has_dilations) {
  DType dtype = ctx.dtype(0);
  if (!ctx.has_shape(0)) {
    ctx.set_output_rank_unknown(0, dtype);
    return Status::Ok();
  }
  const ir::Shape& x = ctx.shape(0);
  if (x.size() < 3) return ctx.error("input rank " + std::to_string(x.size()) + " is below 3");
  Axes axes = layout_axes(ctx.node(), static_cast<int>(x.size()));
  size_t spatial = axes.spatial.size();
  if (!ctx.attrs().has("kernel_shape")) return ctx.error("attribute 'kernel_shape' is missing");
  Window win;
  MCONV_ASSIGN_OR_RETURN(win.kernel, positive_ints(ctx, "kernel_shape", spatial, 1));
  MCONV_ASSIGN_OR_RETURN(win.strides, positive_ints(ctx, "strides", spatial, 1));
  if (has_dilations) {
    MCONV_ASSIGN_OR_RETURN(win.dilations, positive_ints(ctx, "dilations", spatial, 1));
  } else {
    win.dilations.assign(spatial, 1);
  }
  MCONV_ASSIGN_OR_RETURN(win.pads, read_pads(ctx, spatial));
  win.ceil_mode = ctx.attrs().get_int("ceil_mode", 0) != 0;
  MCONV_ASSIGN_OR_RETURN(ir::Shape out, windowed_shape(ctx, x, axes, win, x[axes.channel]));
  ctx.set_output(0, dtype, std::move(out));
  return Status::Ok();
}

}  // namespace

Status infer_MaxPool(ShapeContext& ctx) {
  return infer_pool(ctx, true);
}
Status infer_AveragePool(ShapeContext& ctx) {
  return infer_pool(ctx, false);
}

Status infer_GlobalAveragePool(ShapeContext& ctx) {
  DType dtype = ctx.dtype(0);
  if (!ctx.has_shape(0)) {
    ctx.set_output_rank_unknown(0, dtype);
    return Status::Ok();
  }
  ir::Shape out = ctx.shape(0);
  if (out.size() < 3) return ctx.error("input rank " + std::to_string(out.size()) + " is below 3");
  for (int axis : layout_axes(ctx.node(), static_cast<int>(out.size())).spatial)
    out[axis] = known_dim(1);
  ctx.set_output(0, dtype, std::move(out));
  return Status::Ok();
}

Status infer_BatchNormalization(ShapeContext& ctx) {
  DType dtype = ctx.dtype(0);
  if (!ctx.has_shape(0)) {
    ctx.set_output_rank_unknown(0, dtype);
    return Status::Ok();
  }
  const ir::Shape& x = ctx.shape(0);
  if (x.size() < 2) return ctx.error("input rank " + std::to_string(x.size()) + " is below 2");
  ir::Dim channels = x[layout_axes(ctx.node(), static_cast<int>(x.size())).channel];
  static const char* kNames[] = {"", "scale", "bias", "mean", "var"};
  for (int i = 1; i <= 4; ++i) {
    if (!ctx.has_shape(i)) continue;
    const ir::Shape& p = ctx.shape(i);
    ir::Dim merged;
    if (p.size() != 1 || !merge_dims(p[0], channels, &merged))
      return ctx.error(std::string(kNames[i]) + " shape " + ir::shape_string(p) +
                       " does not match the input's channel count (input " + ir::shape_string(x) +
                       ")");
    channels = merged;
  }
  ctx.set_output(0, dtype, x);
  return Status::Ok();
}

}  // namespace mconv::passes::shapes
