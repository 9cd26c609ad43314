// Elementwise ops whose ONNX form differs across opsets or needs checking: Clip, Softmax, Cast,
// Dropout, QuantizeLinear/DequantizeLinear.
#include "onnx/onnx_import_ops.h"
#include "onnx/onnx_pb.h"
#include "onnx/onnx_types.h"

namespace mconv::onnx {

using ir::OpType;

Status import_clip(NodeImporter& n) {
  MCONV_RETURN_IF_ERROR(n.check_arity(1, 3, 1, 1));
  std::vector<ir::Value*> inputs = {n.input(0), n.input(1), n.input(2)};
  // Opset < 11 kept the bounds in attributes; some exporters still write that form.
  const char* bound_names[] = {"min", "max"};
  for (int i = 0; i < 2; ++i) {
    if (!n.has_attr(bound_names[i])) continue;
    if (inputs[i + 1])
      return n.error(std::string(bound_names[i]) + " given as attribute and input");
    float bound = 0;
    MCONV_RETURN_IF_ERROR(n.attr(bound_names[i], &bound));
    Tensor t = Tensor::FromVector<float>(DType::kF32, {}, {bound});
    const DType x_type = n.input(0)->dtype;
    if (dtype_is_float(x_type) && x_type != DType::kF32) t = t.cast(x_type);
    inputs[i + 1] = n.add_constant(bound_names[i], std::move(t));
  }
  while (!inputs.empty() && !inputs.back()) inputs.pop_back();
  return n.emit(OpType::kClip, std::move(inputs), {}).status();
}

Status import_softmax(NodeImporter& n) {
  MCONV_RETURN_IF_ERROR(n.check_arity(1, 1, 1, 1));
  int64_t axis = n.opset() >= 13 ? -1 : 1;
  MCONV_RETURN_IF_ERROR(n.attr("axis", &axis));
  ir::Value* x = n.input(0);
  const int rank = known_rank(x);
  if (rank >= 0 && (axis < -rank || axis >= rank))
    return n.error("axis " + std::to_string(axis) + " is out of range for rank " +
                   std::to_string(rank));
  const bool last_axis = axis == -1 || (rank >= 0 && axis == rank - 1);
  ir::Attributes attrs;
  if (n.opset() >= 13 || last_axis) {
    // Opset 13 normalises one axis; before that the input was flattened to 2-D at `axis` and
    // normalised over the second part, which is the same thing when `axis` is the last one.
    attrs.set("axis", axis);
    return n.emit(OpType::kSoftmax, {x}, std::move(attrs)).status();
  }
  // Otherwise spell the old semantics out: Flatten(axis) -> Softmax(axis=1) -> Reshape back.
  ir::Value* shape = n.add_temp("shape");
  ir::Value* flat = n.add_temp("flat");
  ir::Value* normalised = n.add_temp("softmax2d");
  MCONV_RETURN_IF_ERROR(n.emit_helper(OpType::kShape, "shape", {x}, {}, {shape}).status());
  ir::Attributes flatten_attrs;
  flatten_attrs.set("axis", axis);
  MCONV_RETURN_IF_ERROR(
      n.emit_helper(OpType::kFlatten, "flatten", {x}, std::move(flatten_attrs), {flat}).status());
  attrs.set("axis", int64_t{1});
  MCONV_RETURN_IF_ERROR(
      n.emit_helper(OpType::kSoftmax, "softmax2d", {flat}, std::move(attrs), {normalised})
          .status());
  ir::Attributes reshape_attrs;
  reshape_attrs.set("allowzero", int64_t{0});
  return n.emit(OpType::kReshape, {normalised, shape}, std::move(reshape_attrs)).status();
}

Status import_cast(NodeImporter& n) {
  MCONV_RETURN_IF_ERROR(n.check_arity(1, 1, 1, 1));
  if (!n.has_attr("to")) return n.error("attribute 'to' is missing");
  int64_t to = 0;
  MCONV_RETURN_IF_ERROR(n.attr("to", &to));
  const DType target = to >= INT32_MIN && to <= INT32_MAX
                           ? dtype_from_onnx(static_cast<int32_t>(to))
                           : DType::kUndefined;
  if (target == DType::kUndefined)
    return n.error("cast to " + onnx_type_name(static_cast<int32_t>(to)) +
                   " is not supported by mconv");
  ir::Attributes attrs;
  attrs.set("to", static_cast<int64_t>(target));  // IR convention: an mconv DType value
  return n.emit(OpType::kCast, {n.input(0)}, std::move(attrs)).status();
}

Status import_dropout(NodeImporter& n) {
  MCONV_RETURN_IF_ERROR(n.check_arity(1, 3, 1, 2));
  MCONV_RETURN_IF_ERROR(n.drop_outputs_from(1));  // mask
  if (const ir::Value* training = n.input(2)) {
    // Inference only: training_mode must be a constant false (ratio is then irrelevant).
    if (!training->constant || training->constant->element_count() != 1 ||
        training->constant->to_i64()[0] != 0)
      return n.error("training_mode must be a constant false; mconv converts inference graphs");
  }
  return n.emit(OpType::kDropout, {n.input(0)}, {}).status();
}

namespace {
Status import_qdq(NodeImporter& n, OpType op) {
  MCONV_RETURN_IF_ERROR(n.check_arity(2, 3, 1, 1));
  int64_t axis = 1;
  MCONV_RETURN_IF_ERROR(n.attr("axis", &axis));
  ir::Attributes attrs;
  attrs.set("axis", axis);
  std::vector<ir::Value*> inputs = {n.input(0), n.input(1)};
  if (n.input(2)) inputs.push_back(n.input(2));
  return n.emit(op, std::move(inputs), std::move(attrs)).status();
}
}  // namespace

Status import_quantize(NodeImporter& n) {
  return import_qdq(n, OpType::kQuantizeLinear);
}
Status import_dequantize(NodeImporter& n) {
  return import_qdq(n, OpType::kDequantizeLinear);
}

}  // namespace mconv::onnx
