// Data-movement and reduction ops: RESHAPE (Reshape/Flatten/Squeeze/Unsqueeze), CONCATENATION,
// TRANSPOSE, SPLIT/SPLIT_V, STRIDED_SLICE, GATHER, SHAPE, SOFTMAX, PAD/PADV2/MIRROR_PAD, MEAN.
// Axes are the stored axes (after rewrite_for_nhwc), so they are written as they are.
#include <algorithm>
#include <limits>

#include "ir/op_attributes.h"
#include "tflite/export/lower_context.h"

namespace mconv::tflite {

namespace tfl = ::tflite;

namespace {

int normalize_axis(int64_t axis, int rank) {
  return static_cast<int>(axis < 0 ? axis + rank : axis);
}

Expected<int> scalar_i32(LowerContext& ctx, const std::string& name, int32_t value) {
  return ctx.constant(name, Tensor::FromVector(DType::kI32, {}, std::vector<int32_t>{value}));
}

Expected<std::vector<int64_t>> constant_ints(const ir::Node& node, const ir::Value* v,
                                             const char* what) {
  if (!v || !v->is_constant())
    return LowerContext::error(node, std::string(what) + " must be a constant");
  return v->constant->to_i64();
}

std::vector<int32_t> to_i32(const std::vector<int64_t>& v) {
  std::vector<int32_t> out;
  for (int64_t x : v)
    out.push_back(static_cast<int32_t>(std::clamp<int64_t>(x, std::numeric_limits<int32_t>::min(),
                                                           std::numeric_limits<int32_t>::max())));
  return out;
}

}  // namespace

Status lower_reshape(const ir::Node& node, LowerContext& ctx) {
  const ir::Value* x = node.inputs[0];
  const ir::Value* y = node.outputs[0];
  if (!y->has_shape) return LowerContext::error(node, "output shape unknown");
  std::vector<int32_t> dims;
  int unknown = 0;
  for (const ir::Dim& d : y->shape) {
    dims.push_back(d.known() ? static_cast<int32_t>(d.size) : -1);
    unknown += d.known() ? 0 : 1;
  }
  if (unknown > 1)
    return LowerContext::error(node, "more than one unknown dim in the target shape");
  MCONV_ASSIGN_OR_RETURN(int in_t, ctx.tensor(x));
  MCONV_ASSIGN_OR_RETURN(int shape_t, ctx.const_i32(node.name + "_shape", dims));
  MCONV_ASSIGN_OR_RETURN(int out_t, ctx.tensor(y));
  ctx.add_op(tfl::BuiltinOperator_RESHAPE, OpUse{.input = x->dtype}, {in_t, shape_t}, {out_t},
             tfl::BuiltinOptions_ReshapeOptions,
             tfl::CreateReshapeOptions(ctx.fbb(), ctx.fbb().CreateVector(dims)).Union());
  return Status::Ok();
}

Status lower_concat(const ir::Node& node, LowerContext& ctx) {
  const int rank = rank_of(node.outputs[0]);
  const int axis = normalize_axis(ir::axis_attribute(node), rank);
  std::vector<int> inputs;
  for (const ir::Value* v : node.inputs) {
    MCONV_ASSIGN_OR_RETURN(int t, ctx.tensor(v));
    inputs.push_back(t);
  }
  const LowerContext::Fused fused = ctx.fuse_activation(node.outputs[0]);
  MCONV_ASSIGN_OR_RETURN(int out_t, ctx.tensor(fused.output));
  ctx.add_op(tfl::BuiltinOperator_CONCATENATION,
             OpUse{.input = node.inputs[0]->dtype, .max_input_rank = rank}, inputs, {out_t},
             tfl::BuiltinOptions_ConcatenationOptions,
             tfl::CreateConcatenationOptions(ctx.fbb(), axis, fused.act).Union());
  return Status::Ok();
}

Status lower_transpose(const ir::Node& node, LowerContext& ctx) {
  const ir::Value* x = node.inputs[0];
  const int rank = rank_of(x);
  std::vector<int64_t> perm = node.attrs.get_ints("perm");
  if (perm.empty())
    for (int i = rank - 1; i >= 0; --i) perm.push_back(i);
  MCONV_ASSIGN_OR_RETURN(int in_t, ctx.tensor(x));
  MCONV_ASSIGN_OR_RETURN(int perm_t, ctx.const_i32(node.name + "_perm", to_i32(perm)));
  MCONV_ASSIGN_OR_RETURN(int out_t, ctx.tensor(node.outputs[0]));
  ctx.add_op(tfl::BuiltinOperator_TRANSPOSE, OpUse{.input = x->dtype, .max_input_rank = rank},
             {in_t, perm_t}, {out_t}, tfl::BuiltinOptions_TransposeOptions,
             tfl::CreateTransposeOptions(ctx.fbb()).Union());
  return Status::Ok();
}

Status lower_split(const ir::Node& node, LowerContext& ctx) {
  const ir::Value* x = node.inputs[0];
  const int rank = rank_of(x);
  const int axis = normalize_axis(ir::axis_attribute(node), rank);
  const int count = static_cast<int>(node.outputs.size());
  std::vector<int64_t> sizes;
  if (node.inputs.size() > 1 && node.inputs[1]) {
    MCONV_ASSIGN_OR_RETURN(sizes, constant_ints(node, node.inputs[1], "split sizes"));
  } else {
    sizes = node.attrs.get_ints("split");
  }
  const bool equal = sizes.empty() || std::all_of(sizes.begin(), sizes.end(),
                                                  [&](int64_t s) { return s == sizes[0]; });
  MCONV_ASSIGN_OR_RETURN(int in_t, ctx.tensor(x));
  MCONV_ASSIGN_OR_RETURN(int axis_t, scalar_i32(ctx, node.name + "_axis", axis));
  std::vector<int> outs;
  for (const ir::Value* o : node.outputs) {
    MCONV_ASSIGN_OR_RETURN(int t, ctx.tensor(o));
    outs.push_back(t);
  }
  const OpUse use{.input = x->dtype, .max_input_rank = rank};
  if (equal) {
    ctx.add_op(tfl::BuiltinOperator_SPLIT, use, {axis_t, in_t}, outs,
               tfl::BuiltinOptions_SplitOptions, tfl::CreateSplitOptions(ctx.fbb(), count).Union());
  } else {
    MCONV_ASSIGN_OR_RETURN(int sizes_t, ctx.const_i32(node.name + "_sizes", to_i32(sizes)));
    ctx.add_op(tfl::BuiltinOperator_SPLIT_V, use, {in_t, sizes_t, axis_t}, outs,
               tfl::BuiltinOptions_SplitVOptions,
               tfl::CreateSplitVOptions(ctx.fbb(), count).Union());
  }
  return Status::Ok();
}

Status lower_slice(const ir::Node& node, LowerContext& ctx) {
  const ir::Value* x = node.inputs[0];
  const int rank = rank_of(x);
  MCONV_ASSIGN_OR_RETURN(std::vector<int64_t> starts,
                         constant_ints(node, node.inputs[1], "starts"));
  MCONV_ASSIGN_OR_RETURN(std::vector<int64_t> ends, constant_ints(node, node.inputs[2], "ends"));
  std::vector<int64_t> axes, steps;
  if (node.inputs.size() > 3 && node.inputs[3]) {
    MCONV_ASSIGN_OR_RETURN(axes, constant_ints(node, node.inputs[3], "axes"));
  } else {
    for (size_t i = 0; i < starts.size(); ++i) axes.push_back(static_cast<int64_t>(i));
  }
  if (node.inputs.size() > 4 && node.inputs[4]) {
    MCONV_ASSIGN_OR_RETURN(steps, constant_ints(node, node.inputs[4], "steps"));
  } else {
    steps.assign(starts.size(), 1);
  }
  if (ends.size() != starts.size() || axes.size() != starts.size() || steps.size() != starts.size())
    return LowerContext::error(node, "starts/ends/axes/steps differ in length");
  std::vector<int32_t> begin(rank, 0), end(rank, 0), stride(rank, 1);
  int begin_mask = 0, end_mask = 0;
  for (int a = 0; a < rank; ++a) {  // untouched axes: whole range
    begin_mask |= 1 << a;
    end_mask |= 1 << a;
  }
  for (size_t i = 0; i < starts.size(); ++i) {
    const int a = normalize_axis(axes[i], rank);
    const int64_t dim = x->shape[a].size;  // -1 when unknown
    const int64_t step = steps[i];
    if (step == 0) return LowerContext::error(node, "slice step 0");
    int64_t s = starts[i], e = ends[i];
    stride[a] = static_cast<int32_t>(step);
    begin_mask &= ~(1 << a);
    end_mask &= ~(1 << a);
    if (dim < 0) {
      if (s < 0 || e < 0 || step < 0) return LowerContext::error(node, "slice of an unknown dim");
      begin[a] = static_cast<int32_t>(std::min<int64_t>(s, std::numeric_limits<int32_t>::max()));
      if (e >= std::numeric_limits<int32_t>::max())
        end_mask |= 1 << a;
      else
        end[a] = static_cast<int32_t>(e);
      continue;
    }
    if (s < 0) s += dim;
    if (e < 0) e += dim;
    if (step > 0) {
      s = std::clamp<int64_t>(s, 0, dim);
      e = std::clamp<int64_t>(e, 0, dim);
    } else {
      s = std::clamp<int64_t>(s, 0, dim - 1);
      e = std::clamp<int64_t>(e, -1, dim - 1);
      if (e < 0) end_mask |= 1 << a;  // runs down to index 0 included
    }
    begin[a] = static_cast<int32_t>(s);
    end[a] = static_cast<int32_t>(std::max<int64_t>(e, 0));
  }
  MCONV_ASSIGN_OR_RETURN(int in_t, ctx.tensor(x));
  MCONV_ASSIGN_OR_RETURN(int begin_t, ctx.const_i32(node.name + "_begin", begin));
  MCONV_ASSIGN_OR_RETURN(int end_t, ctx.const_i32(node.name + "_end", end));
  MCONV_ASSIGN_OR_RETURN(int stride_t, ctx.const_i32(node.name + "_strides", stride));
  MCONV_ASSIGN_OR_RETURN(int out_t, ctx.tensor(node.outputs[0]));
  ctx.add_op(tfl::BuiltinOperator_STRIDED_SLICE, OpUse{.input = x->dtype, .max_input_rank = rank},
             {in_t, begin_t, end_t, stride_t}, {out_t}, tfl::BuiltinOptions_StridedSliceOptions,
             tfl::CreateStridedSliceOptions(ctx.fbb(), begin_mask, end_mask).Union());
  return Status::Ok();
}

Status lower_gather(const ir::Node& node, LowerContext& ctx) {
  const ir::Value* x = node.inputs[0];
  const ir::Value* indices = node.inputs[1];
  const int rank = rank_of(x);
  const int axis = normalize_axis(ir::axis_attribute(node), rank);
  MCONV_ASSIGN_OR_RETURN(int in_t, ctx.tensor(x));
  int idx_t;
  if (indices->is_constant()) {
    // TFLite rejects negative indices: resolve them against the static dim.
    std::vector<int64_t> idx = indices->constant->to_i64();
    const int64_t dim = x->shape[axis].size;
    for (int64_t& i : idx) {
      if (i < 0 && dim < 0) return LowerContext::error(node, "negative index into an unknown dim");
      if (i < 0) i += dim;
    }
    MCONV_ASSIGN_OR_RETURN(
        idx_t,
        ctx.constant(node.name + "_indices",
                     Tensor::FromVector(DType::kI32, indices->constant->shape(), to_i32(idx))));
  } else {
    MCONV_ASSIGN_OR_RETURN(idx_t, ctx.tensor(indices));
  }
  MCONV_ASSIGN_OR_RETURN(int out_t, ctx.tensor(node.outputs[0]));
  ctx.add_op(tfl::BuiltinOperator_GATHER, OpUse{.input = x->dtype, .max_input_rank = rank},
             {in_t, idx_t}, {out_t}, tfl::BuiltinOptions_GatherOptions,
             tfl::CreateGatherOptions(ctx.fbb(), axis).Union());
  return Status::Ok();
}

Status lower_shape(const ir::Node& node, LowerContext& ctx) {
  const ir::Value* y = node.outputs[0];
  MCONV_ASSIGN_OR_RETURN(tfl::TensorType out_type, tflite_type(y->dtype));
  MCONV_ASSIGN_OR_RETURN(int in_t, ctx.tensor(node.inputs[0]));
  MCONV_ASSIGN_OR_RETURN(int out_t, ctx.tensor(y));
  ctx.add_op(tfl::BuiltinOperator_SHAPE, OpUse{.input = node.inputs[0]->dtype}, {in_t}, {out_t},
             tfl::BuiltinOptions_ShapeOptions,
             tfl::CreateShapeOptions(ctx.fbb(), out_type).Union());
  return Status::Ok();
}

Status lower_softmax(const ir::Node& node, LowerContext& ctx) {
  const ir::Value* x = node.inputs[0];
  const int rank = rank_of(x);
  if (normalize_axis(ir::axis_attribute(node), rank) != rank - 1)
    return LowerContext::error(node, "TFLite SOFTMAX works on the last axis only");
  MCONV_ASSIGN_OR_RETURN(int in_t, ctx.tensor(x));
  MCONV_ASSIGN_OR_RETURN(int out_t, ctx.tensor(node.outputs[0]));
  ctx.add_op(tfl::BuiltinOperator_SOFTMAX, OpUse{.input = x->dtype, .max_input_rank = rank}, {in_t},
             {out_t}, tfl::BuiltinOptions_SoftmaxOptions,
             tfl::CreateSoftmaxOptions(ctx.fbb(), 1.0f).Union());
  return Status::Ok();
}

Status lower_pad(const ir::Node& node, LowerContext& ctx) {
  const ir::Value* x = node.inputs[0];
  const int rank = rank_of(x);
  if (node.inputs.size() > 3 && node.inputs[3])
    return LowerContext::error(node, "Pad with an axes input is not supported");
  MCONV_ASSIGN_OR_RETURN(std::vector<int64_t> pads, constant_ints(node, node.inputs[1], "pads"));
  if (static_cast<int>(pads.size()) != 2 * rank)
    return LowerContext::error(node, "pads length is not twice the rank");
  std::vector<int32_t> paddings;
  for (int a = 0; a < rank; ++a) {
    if (pads[a] < 0 || pads[rank + a] < 0)
      return LowerContext::error(node, "negative pads (cropping) are not supported");
    paddings.push_back(static_cast<int32_t>(pads[a]));
    paddings.push_back(static_cast<int32_t>(pads[rank + a]));
  }
  float value = 0.0f;
  if (node.inputs.size() > 2 && node.inputs[2]) {
    if (!node.inputs[2]->is_constant())
      return LowerContext::error(node, "pad value must be a constant");
    value = node.inputs[2]->constant->to_f32().at(0);
  }
  const std::string mode = node.attrs.get_string("mode", "constant");
  MCONV_ASSIGN_OR_RETURN(int in_t, ctx.tensor(x));
  MCONV_ASSIGN_OR_RETURN(int pads_t, ctx.const_i32(node.name + "_paddings", paddings, {rank, 2}));
  MCONV_ASSIGN_OR_RETURN(int out_t, ctx.tensor(node.outputs[0]));
  const OpUse use{.input = x->dtype, .max_input_rank = rank};
  if (mode == "reflect") {
    ctx.add_op(tfl::BuiltinOperator_MIRROR_PAD, use, {in_t, pads_t}, {out_t},
               tfl::BuiltinOptions_MirrorPadOptions,
               tfl::CreateMirrorPadOptions(ctx.fbb(), tfl::MirrorPadMode_REFLECT).Union());
  } else if (mode != "constant") {
    return LowerContext::error(node, "pad mode '" + mode + "' has no TFLite equivalent");
  } else if (value == 0.0f) {
    ctx.add_op(tfl::BuiltinOperator_PAD, use, {in_t, pads_t}, {out_t},
               tfl::BuiltinOptions_PadOptions, tfl::CreatePadOptions(ctx.fbb()).Union());
  } else {
    if (x->dtype != DType::kF32)
      return LowerContext::error(node, "non-zero pad of a non-float tensor");
    MCONV_ASSIGN_OR_RETURN(int value_t, ctx.const_f32(node.name + "_value", {value}, {1}));
    ctx.add_op(tfl::BuiltinOperator_PADV2, use, {in_t, pads_t, value_t}, {out_t},
               tfl::BuiltinOptions_PadV2Options, tfl::CreatePadV2Options(ctx.fbb()).Union());
  }
  return Status::Ok();
}

Status lower_reduce_mean(const ir::Node& node, LowerContext& ctx) {
  const ir::Value* x = node.inputs[0];
  const int rank = rank_of(x);
  std::vector<int64_t> axes = node.attrs.get_ints("axes");
  if (axes.empty() && node.inputs.size() > 1 && node.inputs[1]) {
    MCONV_ASSIGN_OR_RETURN(axes, constant_ints(node, node.inputs[1], "axes"));
  }
  if (axes.empty())
    for (int a = 0; a < rank; ++a) axes.push_back(a);
  for (int64_t& a : axes) a = normalize_axis(a, rank);
  const bool keep = node.attrs.get_int("keepdims", 1) != 0;
  MCONV_ASSIGN_OR_RETURN(int in_t, ctx.tensor(x));
  MCONV_ASSIGN_OR_RETURN(int axes_t, ctx.const_i32(node.name + "_axes", to_i32(axes)));
  MCONV_ASSIGN_OR_RETURN(int out_t, ctx.tensor(node.outputs[0]));
  ctx.add_op(tfl::BuiltinOperator_MEAN, OpUse{.input = x->dtype, .max_input_rank = rank},
             {in_t, axes_t}, {out_t}, tfl::BuiltinOptions_ReducerOptions,
             tfl::CreateReducerOptions(ctx.fbb(), keep).Union());
  return Status::Ok();
}

Status lower_pass_through(const ir::Node& node, LowerContext& ctx) {
  ctx.alias(node.outputs[0], node.inputs[0]);
  return Status::Ok();
}

namespace {

// Quantization of QuantizeLinear/DequantizeLinear's integer side: the value's own QuantParams, or
// the node's constant scale/zero point inputs (QDQ models from ONNX).
Expected<ir::QuantParams> qdq_params(const ir::Node& node, const ir::Value* integer) {
  if (const ir::QuantParams* q = written_quant(integer)) return *q;
  const ir::Value* scale = node.inputs[1];
  const ir::Value* zero = node.inputs.size() > 2 ? node.inputs[2] : nullptr;
  if (!scale || !scale->is_constant() || (zero && !zero->is_constant()))
    return LowerContext::error(node, "scale and zero point must be constants");
  ir::QuantParams q;
  q.scale = scale->constant->to_f32();
  q.zero_point = zero ? zero->constant->to_i64() : std::vector<int64_t>(q.scale.size(), 0);
  if (q.scale.size() > 1) q.axis = normalize_axis(ir::axis_attribute(node), rank_of(integer));
  return q;
}

}  // namespace

Status lower_quantize(const ir::Node& node, LowerContext& ctx) {
  const ir::Value* x = node.inputs[0];
  const ir::Value* y = node.outputs[0];
  MCONV_ASSIGN_OR_RETURN(ir::QuantParams q, qdq_params(node, y));
  MCONV_ASSIGN_OR_RETURN(int in_t, ctx.tensor(x));
  MCONV_ASSIGN_OR_RETURN(int out_t, ctx.tensor_with_quant(y, q));
  ctx.add_op(tfl::BuiltinOperator_QUANTIZE,
             OpUse{.input = x->dtype, .output = y->dtype, .per_channel = q.per_axis()}, {in_t},
             {out_t}, tfl::BuiltinOptions_QuantizeOptions,
             tfl::CreateQuantizeOptions(ctx.fbb()).Union());
  return Status::Ok();
}

Status lower_dequantize(const ir::Node& node, LowerContext& ctx) {
  const ir::Value* x = node.inputs[0];
  const ir::Value* y = node.outputs[0];
  MCONV_ASSIGN_OR_RETURN(ir::QuantParams q, qdq_params(node, x));
  MCONV_ASSIGN_OR_RETURN(int in_t, ctx.tensor_with_quant(x, q));
  MCONV_ASSIGN_OR_RETURN(int out_t, ctx.tensor(y));
  ctx.add_op(tfl::BuiltinOperator_DEQUANTIZE,
             OpUse{.input = x->dtype, .output = y->dtype, .per_channel = q.per_axis()}, {in_t},
             {out_t}, tfl::BuiltinOptions_DequantizeOptions,
             tfl::CreateDequantizeOptions(ctx.fbb()).Union());
  return Status::Ok();
}

Status lower_unsupported(const ir::Node& node, LowerContext& ctx) {
  return LowerContext::error(node, "op has no TFLite FP32 lowering");
}

}  // namespace mconv::tflite
