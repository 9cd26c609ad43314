// Ops that move or reshape data, and ReduceMean: where ONNX moved attributes to inputs (or back)
// between opsets 11 and 18, each converter produces the canonical IR form.
#include <algorithm>
#include <numeric>

#include "onnx/onnx_import_ops.h"
#include "onnx/onnx_pb.h"
#include "onnx/onnx_tensor.h"
#include "onnx/onnx_types.h"

namespace mconv::onnx {

using ir::OpType;

namespace {

Tensor i64_vector(const std::vector<int64_t>& values) {
  return vector_tensor(DType::kI64, values);
}

// Known size of axis `axis` of `v`, or -1.
int64_t known_dim(const ir::Value* v, int64_t axis) {
  if (!v->has_shape) return -1;
  const int64_t rank = static_cast<int64_t>(v->shape.size());
  if (axis < 0) axis += rank;
  if (axis < 0 || axis >= rank) return -1;
  return v->shape[axis].size;
}

}  // namespace

Status import_concat(NodeImporter& n) {
  MCONV_RETURN_IF_ERROR(n.check_arity(1, ir::op_info(OpType::kConcat).max_inputs, 1, 1));
  if (!n.has_attr("axis")) return n.error("attribute 'axis' is missing");
  int64_t axis = 0;
  MCONV_RETURN_IF_ERROR(n.attr("axis", &axis));
  std::vector<ir::Value*> inputs;
  for (int i = 0; i < n.input_count(); ++i) {
    if (!n.input(i)) return n.error("input " + std::to_string(i) + " is empty");
    inputs.push_back(n.input(i));
  }
  ir::Attributes attrs;
  attrs.set("axis", axis);
  return n.emit(OpType::kConcat, std::move(inputs), std::move(attrs)).status();
}

Status import_transpose(NodeImporter& n) {
  MCONV_RETURN_IF_ERROR(n.check_arity(1, 1, 1, 1));
  ir::Attributes attrs;
  if (n.has_attr("perm")) {
    std::vector<int64_t> perm;
    MCONV_RETURN_IF_ERROR(n.attr("perm", &perm));
    std::vector<int64_t> sorted = perm;
    std::sort(sorted.begin(), sorted.end());
    for (size_t i = 0; i < sorted.size(); ++i)
      if (sorted[i] != static_cast<int64_t>(i)) return n.error("perm is not a permutation");
    attrs.set("perm", perm);
  }  // absent perm means "reverse the axes", as in ONNX
  return n.emit(OpType::kTranspose, {n.input(0)}, std::move(attrs)).status();
}

Status import_split(NodeImporter& n) {
  constexpr int kMaxOutputs = 4096;  // bounds work on hostile files; real splits have a handful
  const bool sizes_as_input = n.opset() >= 13;
  MCONV_RETURN_IF_ERROR(n.check_arity(1, sizes_as_input ? 2 : 1, 1, kMaxOutputs));
  const int outputs = n.proto().output_size();
  int64_t axis = 0;
  MCONV_RETURN_IF_ERROR(n.attr("axis", &axis));
  ir::Attributes attrs;
  attrs.set("axis", axis);

  std::vector<ir::Value*> inputs = {n.input(0)};
  std::vector<int64_t> sizes;
  bool have_sizes = false;
  if (sizes_as_input && n.input(1)) {
    MCONV_ASSIGN_OR_RETURN(sizes, n.constant_ints(1, "split sizes"));
    have_sizes = true;
  } else if (!sizes_as_input && n.has_attr("split")) {
    MCONV_RETURN_IF_ERROR(n.attr("split", &sizes));
    have_sizes = true;
  }
  if (n.opset() >= 18 && n.has_attr("num_outputs")) {
    int64_t num_outputs = 0;
    MCONV_RETURN_IF_ERROR(n.attr("num_outputs", &num_outputs));
    if (have_sizes) return n.error("both split sizes and num_outputs are given");
    if (num_outputs != outputs)
      return n.error("num_outputs is " + std::to_string(num_outputs) + " but the node has " +
                     std::to_string(outputs) + " outputs");
    // Opset 18 allows an uneven split (last part smaller); the IR's equal split does not, so
    // spell the sizes out when the axis length is known.
    const int64_t length = known_dim(n.input(0), axis);
    if (length >= 0 && length % outputs != 0) {
      const int64_t part = (length + outputs - 1) / outputs;
      for (int i = 0; i < outputs; ++i)
        sizes.push_back(std::max<int64_t>(0, std::min(part, length - part * i)));
      have_sizes = true;
    }
  }
  if (have_sizes) {
    if (static_cast<int>(sizes.size()) != outputs)
      return n.error("split has " + std::to_string(sizes.size()) + " sizes for " +
                     std::to_string(outputs) + " outputs");
    for (int64_t s : sizes)
      if (s < 0) return n.error("split sizes must be >= 0");
    inputs.push_back(n.add_constant("split", i64_vector(sizes)));
  }
  return n.emit(OpType::kSplit, std::move(inputs), std::move(attrs), outputs).status();
}

Status import_squeeze(NodeImporter& n) {
  const bool axes_as_input = n.opset() >= 13;
  MCONV_RETURN_IF_ERROR(n.check_arity(1, axes_as_input ? 2 : 1, 1, 1));
  std::vector<ir::Value*> inputs = {n.input(0)};
  if (axes_as_input) {
    if (n.input(1)) inputs.push_back(n.input(1));
  } else if (n.has_attr("axes")) {
    std::vector<int64_t> axes;
    MCONV_RETURN_IF_ERROR(n.attr("axes", &axes));
    inputs.push_back(n.add_constant("axes", i64_vector(axes)));
  }  // no axes: squeeze every size-1 dim
  return n.emit(OpType::kSqueeze, std::move(inputs), {}).status();
}

Status import_unsqueeze(NodeImporter& n) {
  const bool axes_as_input = n.opset() >= 13;
  MCONV_RETURN_IF_ERROR(n.check_arity(axes_as_input ? 2 : 1, axes_as_input ? 2 : 1, 1, 1));
  std::vector<ir::Value*> inputs = {n.input(0)};
  if (axes_as_input) {
    inputs.push_back(n.input(1));
  } else {
    if (!n.has_attr("axes")) return n.error("attribute 'axes' is missing");
    std::vector<int64_t> axes;
    MCONV_RETURN_IF_ERROR(n.attr("axes", &axes));
    inputs.push_back(n.add_constant("axes", i64_vector(axes)));
  }
  return n.emit(OpType::kUnsqueeze, std::move(inputs), {}).status();
}

Status import_shape(NodeImporter& n) {
  MCONV_RETURN_IF_ERROR(n.check_arity(1, 1, 1, 1));
  ir::Attributes attrs;
  // Opset 15 added start/end; keep them only when they select a part of the shape.
  int64_t start = 0;
  MCONV_RETURN_IF_ERROR(n.attr("start", &start));
  if (start != 0) attrs.set("start", start);
  if (n.has_attr("end")) {
    int64_t end = 0;
    MCONV_RETURN_IF_ERROR(n.attr("end", &end));
    attrs.set("end", end);
  }
  return n.emit(OpType::kShape, {n.input(0)}, std::move(attrs)).status();
}

Status import_constant_of_shape(NodeImporter& n) {
  MCONV_RETURN_IF_ERROR(n.check_arity(1, 1, 1, 1));
  Tensor value(DType::kF32, {1});  // ONNX default: float 0
  const ::onnx::TensorProto* proto = nullptr;
  MCONV_RETURN_IF_ERROR(n.attr("value", &proto));
  if (proto) {
    auto decoded = decode_tensor(*proto, n.context().base_dir, n.context().limits);
    if (!decoded.ok()) return n.error("attribute 'value': " + decoded.status().message());
    if (decoded->element_count() != 1) return n.error("attribute 'value' must hold one element");
    value = std::move(decoded).value();
  }
  ir::Attributes attrs;
  attrs.set("value", std::move(value));
  return n.emit(OpType::kConstantOfShape, {n.input(0)}, std::move(attrs)).status();
}

Status import_pad(NodeImporter& n) {
  const bool has_axes_input = n.opset() >= 18;
  MCONV_RETURN_IF_ERROR(n.check_arity(2, has_axes_input ? 4 : 3, 1, 1));
  std::string mode = "constant";
  MCONV_RETURN_IF_ERROR(n.attr("mode", &mode));
  if (mode != "constant" && mode != "reflect" && mode != "edge")
    return n.error("pad mode '" + printable(mode) + "' is not supported");
  ir::Attributes attrs;
  attrs.set("mode", mode);
  std::vector<ir::Value*> inputs = {n.input(0), n.input(1)};
  if (n.input(2)) inputs.push_back(n.input(2));
  if (n.input(3)) {
    // Opset 18 may pad only some axes; the IR form lists every axis, so expand the pads.
    MCONV_ASSIGN_OR_RETURN(std::vector<int64_t> axes, n.constant_ints(3, "axes"));
    MCONV_ASSIGN_OR_RETURN(std::vector<int64_t> pads, n.constant_ints(1, "pads"));
    const int rank = known_rank(n.input(0));
    if (rank < 0) return n.error("Pad with an axes input needs the input's rank");
    if (pads.size() != 2 * axes.size()) return n.error("pads must hold two values per axis");
    std::vector<int64_t> full(2 * rank, 0);
    for (size_t i = 0; i < axes.size(); ++i) {
      const int64_t a = axes[i] < 0 ? axes[i] + rank : axes[i];
      if (a < 0 || a >= rank)
        return n.error("axis " + std::to_string(axes[i]) + " is out of range");
      full[a] = pads[i];
      full[a + rank] = pads[i + axes.size()];
    }
    inputs[1] = n.add_constant("pads", i64_vector(full));
  }
  return n.emit(OpType::kPad, std::move(inputs), std::move(attrs)).status();
}

Status import_reduce_mean(NodeImporter& n) {
  const bool axes_as_input = n.opset() >= 18;
  MCONV_RETURN_IF_ERROR(n.check_arity(1, axes_as_input ? 2 : 1, 1, 1));
  int64_t keepdims = 1;
  MCONV_RETURN_IF_ERROR(n.attr("keepdims", &keepdims));
  std::vector<int64_t> axes;
  if (axes_as_input) {
    if (n.input(1)) {
      MCONV_ASSIGN_OR_RETURN(axes, n.constant_ints(1, "axes"));
    }
    int64_t noop_with_empty_axes = 0;
    MCONV_RETURN_IF_ERROR(n.attr("noop_with_empty_axes", &noop_with_empty_axes));
    if (axes.empty() && noop_with_empty_axes != 0)
      return n.emit(OpType::kIdentity, {n.input(0)}, {}).status();
  } else {
    MCONV_RETURN_IF_ERROR(n.attr("axes", &axes));
  }
  ir::Attributes attrs;
  if (!axes.empty()) attrs.set("axes", axes);  // absent = reduce over every axis
  attrs.set("keepdims", keepdims != 0 ? int64_t{1} : int64_t{0});
  return n.emit(OpType::kReduceMean, {n.input(0)}, std::move(attrs)).status();
}

}  // namespace mconv::onnx
