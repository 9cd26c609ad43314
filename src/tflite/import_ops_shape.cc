// TFLite data-movement operators -> IR in the canonical opset-13 forms (see the common IR
// conventions): RESHAPE, SQUEEZE, EXPAND_DIMS, TRANSPOSE, CONCATENATION, PAD/PADV2/MIRROR_PAD,
// MEAN, STRIDED_SLICE, SLICE, SHAPE, GATHER, SPLIT, SPLIT_V.
#include <limits>

#include "tflite/import_context.h"

namespace mconv::tflite {
namespace {

constexpr int64_t kInt64Max = std::numeric_limits<int64_t>::max();
constexpr int64_t kInt64Min = std::numeric_limits<int64_t>::min();

ir::Value* i64_constant(ImportContext& ctx, const std::string& base, const std::string& suffix,
                        const std::vector<int64_t>& values) {
  return ctx.add_constant(
      base, suffix,
      Tensor::FromVector<int64_t>(DType::kI64, {static_cast<int64_t>(values.size())}, values));
}

// Rank of a value, or an error naming it.
Expected<int> known_rank(ImportContext& ctx, const ir::Value& v) {
  if (!v.has_shape) return ctx.op_error("input '" + v.name + "' has no known rank");
  return static_cast<int>(v.shape.size());
}

Expected<int64_t> normalize_axis(ImportContext& ctx, int64_t axis, int rank) {
  if (axis < -rank || axis >= rank)
    return ctx.op_error("axis " + std::to_string(axis) + " is out of range for rank " +
                        std::to_string(rank));
  return axis < 0 ? axis + rank : axis;
}

// Converts a TFLite [rank, 2] paddings constant to ONNX pads [begins..., ends...].
Expected<ir::Value*> onnx_pads(ImportContext& ctx, int k, const ir::Value& x) {
  MCONV_ASSIGN_OR_RETURN(std::shared_ptr<const Tensor> paddings, ctx.constant_input(k));
  MCONV_ASSIGN_OR_RETURN(int rank, known_rank(ctx, x));
  if (paddings->rank() != 2 || paddings->dim(0) != rank || paddings->dim(1) != 2)
    return ctx.op_error("paddings have shape " + shape_to_string(paddings->shape()) +
                        ", expected [" + std::to_string(rank) + ",2]");
  const std::vector<int64_t> p = constant_ints(*paddings);
  std::vector<int64_t> pads(2 * rank);
  for (int i = 0; i < rank; ++i) {
    pads[i] = p[2 * i];
    pads[rank + i] = p[2 * i + 1];
  }
  return i64_constant(ctx, x.name, "pads", pads);
}

Status convert_pad_common(ImportContext& ctx, const std::string& mode, bool with_value) {
  MCONV_ASSIGN_OR_RETURN(ir::Value * x, ctx.input(0));
  MCONV_ASSIGN_OR_RETURN(ir::Value * pads, onnx_pads(ctx, 1, *x));
  std::vector<ir::Value*> inputs{x, pads};
  if (with_value) {
    MCONV_ASSIGN_OR_RETURN(ir::Value * value, ctx.optional_input(2));
    if (value) inputs.push_back(value);
  }
  MCONV_ASSIGN_OR_RETURN(ir::Node * n, ctx.add_with_activation(ir::OpType::kPad, std::move(inputs),
                                                               fb::ActivationFunctionType_NONE));
  n->attrs.set("mode", mode);
  return Status::Ok();
}

}  // namespace

Status convert_reshape(ImportContext& ctx) {
  MCONV_RETURN_IF_ERROR(ctx.expect_arity(1, 2, 1));
  MCONV_ASSIGN_OR_RETURN(ir::Value * x, ctx.input(0));
  ir::Value* shape = nullptr;
  std::vector<int64_t> dims;
  bool dims_known = false;
  const int shape_tensor = ctx.input_tensor(1);
  if (shape_tensor >= 0 && ctx.tensor_has_data(shape_tensor)) {
    MCONV_ASSIGN_OR_RETURN(std::shared_ptr<const Tensor> data, ctx.constant_input(1));
    dims = constant_ints(*data);
    dims_known = true;
  } else if (shape_tensor >= 0) {
    // Computed shape: the IR wants i64.
    MCONV_ASSIGN_OR_RETURN(ir::Value * s, ctx.input(1));
    if (s->dtype == DType::kI64) {
      shape = s;
    } else {
      shape = ctx.derived_value(*s, "i64", DType::kI64, s->shape, s->has_shape);
      ir::Node* cast = ctx.add_node(ir::OpType::kCast, {s}, {shape});
      cast->attrs.set("to", static_cast<int64_t>(DType::kI64));
    }
  } else if (const fb::ReshapeOptions* o = ctx.op().builtin_options_as_ReshapeOptions();
             o && o->new_shape()) {
    dims.assign(o->new_shape()->begin(), o->new_shape()->end());
    dims_known = true;
  } else {
    MCONV_ASSIGN_OR_RETURN(ir::Value * out, ctx.output(0));
    dims = ir::static_dims(out->shape);
    dims_known = true;
  }
  if (dims_known) {
    MCONV_ASSIGN_OR_RETURN(ir::Value * out, ctx.output(0));
    shape = i64_constant(ctx, out->name, "shape", dims);
  }
  MCONV_ASSIGN_OR_RETURN(ir::Node * n, ctx.add_with_activation(ir::OpType::kReshape, {x, shape},
                                                               fb::ActivationFunctionType_NONE));
  // TFLite never copies a 0 from the input shape: a 0 means an empty dim.
  if (std::find(dims.begin(), dims.end(), 0) != dims.end()) n->attrs.set("allowzero", int64_t{1});
  return Status::Ok();
}

Status convert_squeeze(ImportContext& ctx) {
  MCONV_RETURN_IF_ERROR(ctx.expect_arity(1, 1, 1));
  const fb::SqueezeOptions* o = ctx.op().builtin_options_as_SqueezeOptions();
  MCONV_ASSIGN_OR_RETURN(ir::Value * x, ctx.input(0));
  std::vector<ir::Value*> inputs{x};
  if (o && o->squeeze_dims() && o->squeeze_dims()->size() > 0) {
    std::vector<int64_t> axes(o->squeeze_dims()->begin(), o->squeeze_dims()->end());
    inputs.push_back(i64_constant(ctx, x->name, "squeeze_axes", axes));
  }
  return ctx
      .add_with_activation(ir::OpType::kSqueeze, std::move(inputs), fb::ActivationFunctionType_NONE)
      .status();
}

Status convert_expand_dims(ImportContext& ctx) {
  MCONV_RETURN_IF_ERROR(ctx.expect_arity(2, 2, 1));
  MCONV_ASSIGN_OR_RETURN(ir::Value * x, ctx.input(0));
  MCONV_ASSIGN_OR_RETURN(std::shared_ptr<const Tensor> axis, ctx.constant_input(1));
  if (axis->element_count() != 1)
    return ctx.op_error("axis input has " + std::to_string(axis->element_count()) +
                        " elements, expected 1");
  ir::Value* axes = i64_constant(ctx, x->name, "unsqueeze_axes", constant_ints(*axis));
  return ctx.add_with_activation(ir::OpType::kUnsqueeze, {x, axes}, fb::ActivationFunctionType_NONE)
      .status();
}

Status convert_transpose(ImportContext& ctx) {
  MCONV_RETURN_IF_ERROR(ctx.expect_arity(2, 2, 1));
  MCONV_ASSIGN_OR_RETURN(ir::Value * x, ctx.input(0));
  MCONV_ASSIGN_OR_RETURN(std::shared_ptr<const Tensor> perm, ctx.constant_input(1));
  MCONV_ASSIGN_OR_RETURN(ir::Node * n, ctx.add_with_activation(ir::OpType::kTranspose, {x},
                                                               fb::ActivationFunctionType_NONE));
  n->attrs.set("perm", constant_ints(*perm));
  return Status::Ok();
}

Status convert_concatenation(ImportContext& ctx) {
  MCONV_RETURN_IF_ERROR(ctx.expect_arity(1, 1024, 1));
  const fb::ConcatenationOptions* o = ctx.op().builtin_options_as_ConcatenationOptions();
  if (!o) return ctx.op_error("missing ConcatenationOptions");
  std::vector<ir::Value*> inputs;
  for (int k = 0; k < ctx.input_count(); ++k) {
    MCONV_ASSIGN_OR_RETURN(ir::Value * v, ctx.input(k));
    inputs.push_back(v);
  }
  MCONV_ASSIGN_OR_RETURN(ir::Node * n,
                         ctx.add_with_activation(ir::OpType::kConcat, std::move(inputs),
                                                 o->fused_activation_function()));
  n->attrs.set("axis", static_cast<int64_t>(o->axis()));
  return Status::Ok();
}

Status convert_pad(ImportContext& ctx) {
  MCONV_RETURN_IF_ERROR(ctx.expect_arity(2, 2, 1));
  return convert_pad_common(ctx, "constant", false);
}

Status convert_padv2(ImportContext& ctx) {
  MCONV_RETURN_IF_ERROR(ctx.expect_arity(2, 3, 1));
  return convert_pad_common(ctx, "constant", true);
}

Status convert_mirror_pad(ImportContext& ctx) {
  MCONV_RETURN_IF_ERROR(ctx.expect_arity(2, 2, 1));
  const fb::MirrorPadOptions* o = ctx.op().builtin_options_as_MirrorPadOptions();
  // REFLECT (border not repeated) is ONNX "reflect"; ONNX has no SYMMETRIC.
  if (o && o->mode() != fb::MirrorPadMode_REFLECT)
    return ctx.op_error("SYMMETRIC mirror padding is not supported");
  return convert_pad_common(ctx, "reflect", false);
}

Status convert_mean(ImportContext& ctx) {
  MCONV_RETURN_IF_ERROR(ctx.expect_arity(2, 2, 1));
  const fb::ReducerOptions* o = ctx.op().builtin_options_as_ReducerOptions();
  MCONV_ASSIGN_OR_RETURN(ir::Value * x, ctx.input(0));
  MCONV_ASSIGN_OR_RETURN(std::shared_ptr<const Tensor> axes, ctx.constant_input(1));
  MCONV_ASSIGN_OR_RETURN(ir::Node * n, ctx.add_with_activation(ir::OpType::kReduceMean, {x},
                                                               fb::ActivationFunctionType_NONE));
  n->attrs.set("axes", constant_ints(*axes));
  n->attrs.set("keepdims", int64_t{o && o->keep_dims() ? 1 : 0});
  return Status::Ok();
}

Status convert_strided_slice(ImportContext& ctx) {
  MCONV_RETURN_IF_ERROR(ctx.expect_arity(4, 4, 1));
  const fb::StridedSliceOptions* o = ctx.op().builtin_options_as_StridedSliceOptions();
  if (!o) return ctx.op_error("missing StridedSliceOptions");
  if (o->ellipsis_mask() != 0 || o->new_axis_mask() != 0)
    return ctx.op_error("ellipsis_mask / new_axis_mask are not supported");
  MCONV_ASSIGN_OR_RETURN(ir::Value * x, ctx.input(0));
  MCONV_ASSIGN_OR_RETURN(std::shared_ptr<const Tensor> begin_t, ctx.constant_input(1));
  MCONV_ASSIGN_OR_RETURN(std::shared_ptr<const Tensor> end_t, ctx.constant_input(2));
  MCONV_ASSIGN_OR_RETURN(std::shared_ptr<const Tensor> stride_t, ctx.constant_input(3));
  const std::vector<int64_t> begin = constant_ints(*begin_t);
  const std::vector<int64_t> end = constant_ints(*end_t);
  const std::vector<int64_t> stride = constant_ints(*stride_t);
  const size_t n = begin.size();
  if (end.size() != n || stride.size() != n)
    return ctx.op_error("begin/end/strides have different lengths");
  MCONV_ASSIGN_OR_RETURN(int rank, known_rank(ctx, *x));
  if (static_cast<int>(n) > rank || n > 31)
    return ctx.op_error("slices " + std::to_string(n) + " axes of a rank-" + std::to_string(rank) +
                        " input");

  std::vector<int64_t> starts(n), ends(n), axes(n), steps(n), squeeze_axes;
  for (size_t i = 0; i < n; ++i) {
    const int bit = 1 << i;
    axes[i] = static_cast<int64_t>(i);
    steps[i] = stride[i];
    if (stride[i] == 0) return ctx.op_error("stride of axis " + std::to_string(i) + " is 0");
    const bool forward = stride[i] > 0;
    starts[i] = (o->begin_mask() & bit) ? (forward ? 0 : kInt64Max) : begin[i];
    ends[i] = (o->end_mask() & bit) ? (forward ? kInt64Max : kInt64Min)
                                    : (o->offset() ? begin[i] + end[i] : end[i]);
    if (o->shrink_axis_mask() & bit) {
      // One element at `begin`, axis removed afterwards.
      starts[i] = begin[i];
      ends[i] = begin[i] == -1 ? kInt64Max : begin[i] + 1;
      steps[i] = 1;
      squeeze_axes.push_back(static_cast<int64_t>(i));
    }
  }
  MCONV_ASSIGN_OR_RETURN(ir::Value * out, ctx.output(0));
  std::vector<ir::Value*> inputs{
      x, i64_constant(ctx, out->name, "starts", starts), i64_constant(ctx, out->name, "ends", ends),
      i64_constant(ctx, out->name, "axes", axes), i64_constant(ctx, out->name, "steps", steps)};
  if (squeeze_axes.empty()) {
    ctx.add_node(ir::OpType::kSlice, std::move(inputs), {out});
    return Status::Ok();
  }
  // The sliced value before squeezing keeps the shrunk axes as size 1.
  ir::Value* sliced = ctx.derived_value(*out, "unsqueezed", out->dtype, {}, false);
  ctx.add_node(ir::OpType::kSlice, std::move(inputs), {sliced});
  ctx.add_node(ir::OpType::kSqueeze,
               {sliced, i64_constant(ctx, out->name, "squeeze_axes", squeeze_axes)}, {out});
  return Status::Ok();
}

Status convert_slice(ImportContext& ctx) {
  MCONV_RETURN_IF_ERROR(ctx.expect_arity(3, 3, 1));
  MCONV_ASSIGN_OR_RETURN(ir::Value * x, ctx.input(0));
  MCONV_ASSIGN_OR_RETURN(std::shared_ptr<const Tensor> begin_t, ctx.constant_input(1));
  MCONV_ASSIGN_OR_RETURN(std::shared_ptr<const Tensor> size_t_, ctx.constant_input(2));
  const std::vector<int64_t> begin = constant_ints(*begin_t);
  const std::vector<int64_t> size = constant_ints(*size_t_);
  if (size.size() != begin.size()) return ctx.op_error("begin and size have different lengths");
  std::vector<int64_t> ends(begin.size()), axes(begin.size());
  for (size_t i = 0; i < begin.size(); ++i) {
    axes[i] = static_cast<int64_t>(i);
    ends[i] = size[i] < 0 ? kInt64Max : begin[i] + size[i];  // size -1 = to the end
  }
  MCONV_ASSIGN_OR_RETURN(ir::Value * out, ctx.output(0));
  ctx.add_node(
      ir::OpType::kSlice,
      {x, i64_constant(ctx, out->name, "starts", begin), i64_constant(ctx, out->name, "ends", ends),
       i64_constant(ctx, out->name, "axes", axes)},
      {out});
  return Status::Ok();
}

Status convert_shape(ImportContext& ctx) {
  MCONV_RETURN_IF_ERROR(ctx.expect_arity(1, 1, 1));
  MCONV_ASSIGN_OR_RETURN(ir::Value * x, ctx.input(0));
  MCONV_ASSIGN_OR_RETURN(ir::Value * out, ctx.output(0));
  if (out->dtype == DType::kI64) {
    ctx.add_node(ir::OpType::kShape, {x}, {out});
    return Status::Ok();
  }
  // IR Shape yields i64 (ONNX); TFLite's default out_type is int32.
  ir::Value* wide = ctx.derived_value(*out, "i64", DType::kI64, out->shape, out->has_shape);
  ctx.add_node(ir::OpType::kShape, {x}, {wide});
  ir::Node* cast = ctx.add_node(ir::OpType::kCast, {wide}, {out});
  cast->attrs.set("to", static_cast<int64_t>(out->dtype));
  return Status::Ok();
}

Status convert_gather(ImportContext& ctx) {
  MCONV_RETURN_IF_ERROR(ctx.expect_arity(2, 2, 1));
  const fb::GatherOptions* o = ctx.op().builtin_options_as_GatherOptions();
  if (o && o->batch_dims() != 0) return ctx.op_error("batch_dims != 0 is not supported");
  MCONV_ASSIGN_OR_RETURN(ir::Value * x, ctx.input(0));
  MCONV_ASSIGN_OR_RETURN(ir::Value * indices, ctx.input(1));
  MCONV_ASSIGN_OR_RETURN(ir::Node * n, ctx.add_with_activation(ir::OpType::kGather, {x, indices},
                                                               fb::ActivationFunctionType_NONE));
  n->attrs.set("axis", static_cast<int64_t>(o ? o->axis() : 0));
  return Status::Ok();
}

namespace {

// Split along `axis` into the operator's outputs with the given sizes (-1 entries resolved).
Status emit_split(ImportContext& ctx, ir::Value* x, int64_t axis, std::vector<int64_t> sizes) {
  MCONV_ASSIGN_OR_RETURN(int rank, known_rank(ctx, *x));
  MCONV_ASSIGN_OR_RETURN(axis, normalize_axis(ctx, axis, rank));
  const int64_t dim = x->shape[axis].size;
  int64_t known_sum = 0, unknown = 0;
  for (int64_t s : sizes) (s < 0 ? unknown : known_sum) += s < 0 ? 1 : s;
  if (unknown > 1) return ctx.op_error("more than one split size is -1");
  if (unknown == 1) {
    if (dim < 0) return ctx.op_error("split size -1 needs a static split axis");
    for (int64_t& s : sizes)
      if (s < 0) s = dim - known_sum;
  }
  if (static_cast<int>(sizes.size()) != ctx.output_count())
    return ctx.op_error(std::to_string(sizes.size()) + " split sizes for " +
                        std::to_string(ctx.output_count()) + " outputs");
  std::vector<ir::Value*> outs;
  for (int k = 0; k < ctx.output_count(); ++k) {
    MCONV_ASSIGN_OR_RETURN(ir::Value * out, ctx.output(k));
    outs.push_back(out);
  }
  ir::Value* split = i64_constant(ctx, outs[0]->name, "split_sizes", sizes);
  ir::Node* n = ctx.add_node(ir::OpType::kSplit, {x, split}, std::move(outs));
  n->attrs.set("axis", axis);
  return Status::Ok();
}

}  // namespace

Status convert_split(ImportContext& ctx) {
  MCONV_RETURN_IF_ERROR(ctx.expect_arity(2, 2, -1));
  MCONV_ASSIGN_OR_RETURN(std::shared_ptr<const Tensor> axis_t, ctx.constant_input(0));
  MCONV_ASSIGN_OR_RETURN(ir::Value * x, ctx.input(1));
  if (axis_t->element_count() != 1) return ctx.op_error("axis must be a single value");
  const int64_t axis = constant_ints(*axis_t)[0];
  MCONV_ASSIGN_OR_RETURN(int rank, known_rank(ctx, *x));
  MCONV_ASSIGN_OR_RETURN(int64_t a, normalize_axis(ctx, axis, rank));
  const int64_t dim = x->shape[a].size;
  const int parts = ctx.output_count();
  if (dim < 0 || parts <= 0 || dim % parts != 0)
    return ctx.op_error("cannot split axis of size " + std::to_string(dim) + " into " +
                        std::to_string(parts) + " equal parts");
  return emit_split(ctx, x, a, std::vector<int64_t>(parts, dim / parts));
}

Status convert_split_v(ImportContext& ctx) {
  MCONV_RETURN_IF_ERROR(ctx.expect_arity(3, 3, -1));
  MCONV_ASSIGN_OR_RETURN(ir::Value * x, ctx.input(0));
  MCONV_ASSIGN_OR_RETURN(std::shared_ptr<const Tensor> sizes, ctx.constant_input(1));
  MCONV_ASSIGN_OR_RETURN(std::shared_ptr<const Tensor> axis_t, ctx.constant_input(2));
  if (axis_t->element_count() != 1) return ctx.op_error("axis must be a single value");
  return emit_split(ctx, x, constant_ints(*axis_t)[0], constant_ints(*sizes));
}

}  // namespace mconv::tflite
