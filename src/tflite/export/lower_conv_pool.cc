// Conv -> CONV_2D / DEPTHWISE_CONV_2D (grouped: CONV_2D v6), MaxPool/AveragePool -> *_POOL_2D,
// GlobalAveragePool -> MEAN. Explicit pads become SAME/VALID when they match TFLite's rule for
// the stride, otherwise an explicit PAD (PADV2 with the lowest float for max pooling) runs first.
#include <algorithm>
#include <cstring>
#include <limits>

#include "ir/window_geometry.h"
#include "tflite/export/lower_context.h"

namespace mconv::tflite {

namespace tfl = ::tflite;

namespace {

// Explicit padding of one spatial axis.
struct AxisPads {
  int64_t before = 0;  // top/left
  int64_t after = 0;   // bottom/right
};

// How a window op covers its input.
struct WindowPlan {
  tfl::Padding padding = tfl::Padding_VALID;  // TFLite padding mode
  bool explicit_pad = false;                  // a PAD op must run first
  AxisPads h, w;                              // pads of that PAD op
};

// TFLite's SAME: output ceil(in / stride), total padding split with the smaller half first.
AxisPads same_pads(int64_t in, int64_t kernel, int64_t stride, int64_t dilation) {
  const ir::SamePadding same = ir::same_padding(in, kernel, stride, dilation);
  return {same.begin, same.end};
}

// Padding needed so that a VALID window op on the padded axis yields exactly `out` positions:
// the source's leading pad, and at the end whatever the last window needs (ceil_mode included).
AxisPads needed_pads(int64_t in, int64_t out, int64_t kernel, int64_t stride, int64_t dilation,
                     int64_t pad_before) {
  const int64_t extent = (out - 1) * stride + ir::window_span(kernel, dilation);
  return {pad_before, std::max<int64_t>(extent - in - pad_before, 0)};
}

bool same_out(int64_t in, int64_t stride, int64_t out) {
  return ir::same_padding(in, 1, stride, 1).out == out;
}

Expected<WindowPlan> plan_window(const ir::Node& node, int64_t in_h, int64_t in_w, int64_t out_h,
                                 int64_t out_w, const std::vector<int64_t>& k,
                                 const std::vector<int64_t>& s, const std::vector<int64_t>& d,
                                 const std::vector<int64_t>& pads) {
  const AxisPads need_h = needed_pads(in_h, out_h, k[0], s[0], d[0], pads[0]);
  const AxisPads need_w = needed_pads(in_w, out_w, k[1], s[1], d[1], pads[1]);
  WindowPlan plan;
  const AxisPads same_h = same_pads(in_h, k[0], s[0], d[0]);
  const AxisPads same_w = same_pads(in_w, k[1], s[1], d[1]);
  auto equal = [](AxisPads a, AxisPads b) { return a.before == b.before && a.after == b.after; };
  if (need_h.before == 0 && need_h.after == 0 && need_w.before == 0 && need_w.after == 0) {
    plan.padding = tfl::Padding_VALID;
  } else if (equal(need_h, same_h) && equal(need_w, same_w) && same_out(in_h, s[0], out_h) &&
             same_out(in_w, s[1], out_w)) {
    plan.padding = tfl::Padding_SAME;
  } else {
    plan.padding = tfl::Padding_VALID;
    plan.explicit_pad = true;
    plan.h = need_h;
    plan.w = need_w;
  }
  // VALID on the (padded) input must give the source's output size.
  if (plan.padding == tfl::Padding_VALID) {
    auto valid_out = [](int64_t in, int64_t kernel, int64_t stride, int64_t dilation) {
      const Expected<int64_t> out =
          ir::window_output_size(in, kernel, stride, dilation, 0, 0, false);
      return out.ok() ? *out : -1;
    };
    if (valid_out(in_h + plan.h.before + plan.h.after, k[0], s[0], d[0]) != out_h ||
        valid_out(in_w + plan.w.before + plan.w.after, k[1], s[1], d[1]) != out_w)
      return LowerContext::error(node, "window geometry does not reproduce the output size");
  }
  return plan;
}

// Static NHWC geometry of a window op.
struct Geometry {
  int64_t in_h, in_w, out_h, out_w;  // spatial sizes
  std::vector<int64_t> kernel;       // [kh, kw]
  std::vector<int64_t> strides;      // [sh, sw]
  std::vector<int64_t> dilations;    // [dh, dw]
  std::vector<int64_t> pads;         // [top, left, bottom, right]
};

Expected<Geometry> geometry(const ir::Node& node, std::vector<int64_t> kernel) {
  if (node.layout != ir::Layout::kNHWC)
    return LowerContext::error(node, "layout is not NHWC (run rewrite_for_nhwc first)");
  const ir::Value* x = node.inputs[0];
  const ir::Value* y = node.outputs[0];
  if (rank_of(x) != 4 || rank_of(y) != 4)
    return LowerContext::error(node, "TFLite needs rank-4 NHWC input and output");
  Geometry g;
  g.in_h = x->shape[1].size;
  g.in_w = x->shape[2].size;
  g.out_h = y->shape[1].size;
  g.out_w = y->shape[2].size;
  if (g.in_h < 0 || g.in_w < 0 || g.out_h < 0 || g.out_w < 0)
    return LowerContext::error(node, "spatial dims must be static");
  g.kernel = std::move(kernel);
  g.strides = node.attrs.get_ints("strides", {1, 1});
  g.dilations = node.attrs.get_ints("dilations", {1, 1});
  g.pads = node.attrs.get_ints("pads", {0, 0, 0, 0});
  if (g.kernel.size() != 2 || g.strides.size() != 2 || g.dilations.size() != 2 ||
      g.pads.size() != 4)
    return LowerContext::error(node, "only 2-D windows are supported");
  return g;
}

// Runs PAD/PADV2 before a window op when its plan asks for it; returns the tensor to read.
Expected<int> pad_if_needed(const ir::Node& node, LowerContext& ctx, const WindowPlan& plan,
                            int input, const ir::Value* x, float pad_value) {
  if (!plan.explicit_pad) return input;
  const std::vector<int32_t> pads = {0,
                                     0,
                                     static_cast<int32_t>(plan.h.before),
                                     static_cast<int32_t>(plan.h.after),
                                     static_cast<int32_t>(plan.w.before),
                                     static_cast<int32_t>(plan.w.after),
                                     0,
                                     0};
  MCONV_ASSIGN_OR_RETURN(int pads_t, ctx.const_i32(node.name + "_pads", pads, {4, 2}));
  ir::Shape padded = x->shape;
  padded[1].size += plan.h.before + plan.h.after;
  padded[2].size += plan.w.before + plan.w.after;
  MCONV_ASSIGN_OR_RETURN(int out, ctx.new_tensor(node.name + "_padded", x->dtype, padded, x));
  OpUse use{.input = x->dtype, .max_input_rank = 4};
  if (is_quantized(x) && pad_value != 0.0f) {
    // Max pooling of a quantized tensor pads with the type's lowest value.
    const ir::QuantParams* q = written_quant(x);
    if (q->per_axis()) return LowerContext::error(node, "per-axis quantized pooling input");
    Tensor lowest(x->dtype, {1});
    if (x->dtype == DType::kI8)
      lowest.data<int8_t>()[0] = -128;
    else if (x->dtype == DType::kU8)
      lowest.data<uint8_t>()[0] = 0;
    else
      return LowerContext::error(node, "unsupported quantized type for padding");
    MCONV_ASSIGN_OR_RETURN(int value_t, ctx.constant(node.name + "_pad_value", lowest, q));
    ctx.add_op(tfl::BuiltinOperator_PADV2, use, {input, pads_t, value_t}, {out},
               tfl::BuiltinOptions_PadV2Options, tfl::CreatePadV2Options(ctx.fbb()).Union());
  } else if (pad_value == 0.0f) {
    ctx.add_op(tfl::BuiltinOperator_PAD, use, {input, pads_t}, {out},
               tfl::BuiltinOptions_PadOptions, tfl::CreatePadOptions(ctx.fbb()).Union());
  } else {
    MCONV_ASSIGN_OR_RETURN(int value_t, ctx.const_f32(node.name + "_pad_value", {pad_value}, {1}));
    ctx.add_op(tfl::BuiltinOperator_PADV2, use, {input, pads_t, value_t}, {out},
               tfl::BuiltinOptions_PadV2Options, tfl::CreatePadV2Options(ctx.fbb()).Union());
  }
  return out;
}

}  // namespace

Status lower_conv(const ir::Node& node, LowerContext& ctx) {
  const ir::Value* x = node.inputs[0];
  const ir::Value* w = node.inputs[1];
  const ir::Value* b = node.inputs.size() > 2 ? node.inputs[2] : nullptr;
  const std::optional<WeightData> wd = weight_data(w);
  const std::optional<WeightData> bd = b ? weight_data(b) : std::nullopt;
  if (!wd || (b && !bd))
    return LowerContext::error(node, "TFLite convolutions need constant weights and bias");
  const Tensor& wt = *wd->data;
  if (wt.rank() != 4) return LowerContext::error(node, "only 2-D convolutions are supported");
  const int64_t cout = wt.dim(0), cin_per_group = wt.dim(1), kh = wt.dim(2), kw = wt.dim(3);
  MCONV_ASSIGN_OR_RETURN(Geometry g, geometry(node, {kh, kw}));
  const int64_t group = node.attrs.get_int("group", 1);
  const int64_t cin = x->shape[3].size;
  if (cin != cin_per_group * group)
    return LowerContext::error(node, "input channels do not match weights and group");
  MCONV_ASSIGN_OR_RETURN(WindowPlan plan, plan_window(node, g.in_h, g.in_w, g.out_h, g.out_w,
                                                      g.kernel, g.strides, g.dilations, g.pads));

  const bool depthwise = group > 1 && group == cin && cout % cin == 0;
  // OIHW -> OHWI (CONV_2D) or 1HWO (DEPTHWISE_CONV_2D): destination of each source element.
  std::vector<int64_t> destination(wt.element_count());
  for (int64_t o = 0; o < cout; ++o)
    for (int64_t i = 0; i < cin_per_group; ++i)
      for (int64_t y = 0; y < kh; ++y)
        for (int64_t xx = 0; xx < kw; ++xx)
          destination[((o * cin_per_group + i) * kh + y) * kw + xx] =
              depthwise ? (y * kw + xx) * cout + o : ((o * kh + y) * kw + xx) * cin_per_group + i;
  std::vector<int64_t> filter_shape = depthwise ? std::vector<int64_t>{1, kh, kw, cout}
                                                : std::vector<int64_t>{cout, kh, kw, cin_per_group};
  int filter_t, bias_t;
  const bool quantized = is_quantized(w);
  if (quantized) {
    // Integer weights keep their bytes and quantization; the channel axis moves with the layout.
    if (!b || !is_quantized(b) || !b->is_constant() || b->constant->element_count() != cout)
      return LowerContext::error(node, "a quantized convolution needs a quantized bias");
    Tensor filter(wt.dtype(), filter_shape);
    const size_t elem = dtype_size(wt.dtype());
    for (size_t k = 0; k < destination.size(); ++k)
      std::memcpy(filter.raw() + destination[k] * elem, wt.raw() + k * elem, elem);
    ir::QuantParams q = *w->quant;
    if (q.per_axis()) q.axis = depthwise ? 3 : 0;
    MCONV_ASSIGN_OR_RETURN(filter_t, ctx.constant(w->name + "_tfl", filter, &q));
    MCONV_ASSIGN_OR_RETURN(bias_t, ctx.tensor(b));
  } else {
    const std::vector<float> wf = wt.to_f32();
    std::vector<float> filter(wf.size());
    for (size_t k = 0; k < destination.size(); ++k) filter[destination[k]] = wf[k];
    MCONV_ASSIGN_OR_RETURN(
        filter_t, ctx.float_weight(w->name + "_tfl", filter, filter_shape, wd->half_storage));
    std::vector<float> bias(cout, 0.0f);
    if (bd) bias = bd->data->to_f32();
    if (static_cast<int64_t>(bias.size()) != cout)
      return LowerContext::error(node, "bias size differs from output channels");
    MCONV_ASSIGN_OR_RETURN(
        bias_t, ctx.float_weight(node.name + "_bias", bias, {cout}, bd && bd->half_storage));
  }

  MCONV_ASSIGN_OR_RETURN(int in_t, ctx.tensor(x));
  MCONV_ASSIGN_OR_RETURN(in_t, pad_if_needed(node, ctx, plan, in_t, x, 0.0f));
  const LowerContext::Fused fused = ctx.fuse_activation(node.outputs[0]);
  MCONV_ASSIGN_OR_RETURN(int out_t, ctx.tensor(fused.output));
  const int sh = static_cast<int>(g.strides[0]), sw = static_cast<int>(g.strides[1]);
  const int dh = static_cast<int>(g.dilations[0]), dw = static_cast<int>(g.dilations[1]);
  OpUse use{.input = x->dtype,
            .weights = DType::kF32,
            .output = node.outputs[0]->dtype,
            .max_input_rank = 4};
  if (depthwise) {
    use.dilated = dh != 1 || dw != 1;
    auto options = tfl::CreateDepthwiseConv2DOptions(
        ctx.fbb(), plan.padding, sw, sh, static_cast<int>(cout / cin), fused.act, dw, dh);
    ctx.add_op(tfl::BuiltinOperator_DEPTHWISE_CONV_2D, use, {in_t, filter_t, bias_t}, {out_t},
               tfl::BuiltinOptions_DepthwiseConv2DOptions, options.Union());
  } else {
    use.grouped_conv = group > 1;
    auto options = tfl::CreateConv2DOptions(ctx.fbb(), plan.padding, sw, sh, fused.act, dw, dh);
    ctx.add_op(tfl::BuiltinOperator_CONV_2D, use, {in_t, filter_t, bias_t}, {out_t},
               tfl::BuiltinOptions_Conv2DOptions, options.Union());
  }
  return Status::Ok();
}

Status lower_max_pool(const ir::Node& node, LowerContext& ctx) {
  MCONV_ASSIGN_OR_RETURN(Geometry g, geometry(node, node.attrs.get_ints("kernel_shape")));
  if (g.dilations[0] != 1 || g.dilations[1] != 1)
    return LowerContext::error(node, "dilated pooling is not supported by TFLite");
  MCONV_ASSIGN_OR_RETURN(WindowPlan plan, plan_window(node, g.in_h, g.in_w, g.out_h, g.out_w,
                                                      g.kernel, g.strides, g.dilations, g.pads));
  const ir::Value* x = node.inputs[0];
  MCONV_ASSIGN_OR_RETURN(int in_t, ctx.tensor(x));
  MCONV_ASSIGN_OR_RETURN(
      in_t, pad_if_needed(node, ctx, plan, in_t, x, std::numeric_limits<float>::lowest()));
  const LowerContext::Fused fused = ctx.fuse_activation(node.outputs[0]);
  MCONV_ASSIGN_OR_RETURN(int out_t, ctx.tensor(fused.output));
  auto options = tfl::CreatePool2DOptions(
      ctx.fbb(), plan.padding, static_cast<int>(g.strides[1]), static_cast<int>(g.strides[0]),
      static_cast<int>(g.kernel[1]), static_cast<int>(g.kernel[0]), fused.act);
  ctx.add_op(tfl::BuiltinOperator_MAX_POOL_2D, OpUse{.input = x->dtype, .max_input_rank = 4},
             {in_t}, {out_t}, tfl::BuiltinOptions_Pool2DOptions, options.Union());
  return Status::Ok();
}

Status lower_average_pool(const ir::Node& node, LowerContext& ctx) {
  MCONV_ASSIGN_OR_RETURN(Geometry g, geometry(node, node.attrs.get_ints("kernel_shape")));
  MCONV_ASSIGN_OR_RETURN(WindowPlan plan, plan_window(node, g.in_h, g.in_w, g.out_h, g.out_w,
                                                      g.kernel, g.strides, g.dilations, g.pads));
  const bool count_pads = node.attrs.get_int("count_include_pad", 0) != 0;
  const bool has_pads = g.pads[0] || g.pads[1] || g.pads[2] || g.pads[3];
  // TFLite's SAME averages over the in-bounds elements only (count_include_pad = 0).
  if (plan.padding == tfl::Padding_SAME && count_pads && has_pads) {
    plan.padding = tfl::Padding_VALID;
    plan.explicit_pad = true;
    plan.h = needed_pads(g.in_h, g.out_h, g.kernel[0], g.strides[0], 1, g.pads[0]);
    plan.w = needed_pads(g.in_w, g.out_w, g.kernel[1], g.strides[1], 1, g.pads[1]);
  }
  const ir::Value* x = node.inputs[0];
  MCONV_ASSIGN_OR_RETURN(int in_t, ctx.tensor(x));
  MCONV_ASSIGN_OR_RETURN(in_t, pad_if_needed(node, ctx, plan, in_t, x, 0.0f));
  // With explicit zero padding VALID divides by the whole window; a constant map restores the
  // source's divisor (elements inside the input, or inside input + explicit pads).
  std::vector<float> correction;
  bool needs_correction = false;
  if (plan.explicit_pad) {
    const int64_t kh = g.kernel[0], kw = g.kernel[1];
    correction.resize(g.out_h * g.out_w);
    auto covered = [](int64_t start, int64_t k, int64_t lo, int64_t hi) {
      return std::max<int64_t>(0, std::min(start + k, hi) - std::max(start, lo));
    };
    for (int64_t oh = 0; oh < g.out_h; ++oh)
      for (int64_t ow = 0; ow < g.out_w; ++ow) {
        const int64_t r0 = oh * g.strides[0] - g.pads[0], c0 = ow * g.strides[1] - g.pads[1];
        const int64_t rows = count_pads ? covered(r0, kh, -g.pads[0], g.in_h + g.pads[2])
                                        : covered(r0, kh, 0, g.in_h);
        const int64_t cols = count_pads ? covered(c0, kw, -g.pads[1], g.in_w + g.pads[3])
                                        : covered(c0, kw, 0, g.in_w);
        const float f = rows * cols > 0 ? static_cast<float>(kh * kw) / (rows * cols) : 0.0f;
        correction[oh * g.out_w + ow] = f;
        needs_correction = needs_correction || f != 1.0f;
      }
  }
  const LowerContext::Fused fused =
      needs_correction ? LowerContext::Fused{tfl::ActivationFunctionType_NONE, node.outputs[0]}
                       : ctx.fuse_activation(node.outputs[0]);
  MCONV_ASSIGN_OR_RETURN(int final_t, ctx.tensor(fused.output));
  int pool_out = final_t;
  if (needs_correction) {
    MCONV_ASSIGN_OR_RETURN(
        pool_out, ctx.new_tensor(node.name + "_window_mean", x->dtype, node.outputs[0]->shape));
  }
  auto options = tfl::CreatePool2DOptions(
      ctx.fbb(), plan.padding, static_cast<int>(g.strides[1]), static_cast<int>(g.strides[0]),
      static_cast<int>(g.kernel[1]), static_cast<int>(g.kernel[0]), fused.act);
  ctx.add_op(tfl::BuiltinOperator_AVERAGE_POOL_2D, OpUse{.input = x->dtype, .max_input_rank = 4},
             {in_t}, {pool_out}, tfl::BuiltinOptions_Pool2DOptions, options.Union());
  if (needs_correction) {
    MCONV_ASSIGN_OR_RETURN(
        int map_t, ctx.const_f32(node.name + "_divisor_fix", correction, {1, g.out_h, g.out_w, 1}));
    ctx.add_op(tfl::BuiltinOperator_MUL,
               OpUse{.input = x->dtype, .max_input_rank = 4, .broadcast = true}, {pool_out, map_t},
               {final_t}, tfl::BuiltinOptions_MulOptions, tfl::CreateMulOptions(ctx.fbb()).Union());
  }
  return Status::Ok();
}

Status lower_global_average_pool(const ir::Node& node, LowerContext& ctx) {
  if (node.layout != ir::Layout::kNHWC)
    return LowerContext::error(node, "layout is not NHWC (run rewrite_for_nhwc first)");
  const ir::Value* x = node.inputs[0];
  if (rank_of(x) != 4) return LowerContext::error(node, "TFLite needs a rank-4 NHWC input");
  MCONV_ASSIGN_OR_RETURN(int in_t, ctx.tensor(x));
  MCONV_ASSIGN_OR_RETURN(int axes_t, ctx.const_i32(node.name + "_axes", {1, 2}));
  MCONV_ASSIGN_OR_RETURN(int out_t, ctx.tensor(node.outputs[0]));
  ctx.add_op(tfl::BuiltinOperator_MEAN, OpUse{.input = x->dtype, .max_input_rank = 4},
             {in_t, axes_t}, {out_t}, tfl::BuiltinOptions_ReducerOptions,
             tfl::CreateReducerOptions(ctx.fbb(), true).Union());
  return Status::Ok();
}

Status lower_batch_norm(const ir::Node& node, LowerContext& ctx) {
  return LowerContext::error(node, "BatchNormalization with computed statistics cannot be folded");
}

}  // namespace mconv::tflite
