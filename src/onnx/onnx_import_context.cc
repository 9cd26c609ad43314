#include "onnx/onnx_import_context.h"

#include <algorithm>

#include "onnx/onnx_pb.h"
#include "onnx/onnx_types.h"

namespace mconv::onnx {

std::string ImportContext::fresh_name(const std::string& base) const {
  std::string candidate = base;
  for (int i = 1; file_names.count(candidate) || graph->find_value(candidate); ++i)
    candidate = base + "_" + std::to_string(i);
  return candidate;
}

Expected<ir::Value*> ImportContext::define_value(const std::string& name) {
  if (values.count(name))
    return Status::Error("value '" + printable(name) + "' is defined more than once");
  DType dtype = DType::kUndefined;
  ir::Shape shape;
  bool has_shape = false;
  if (auto it = declared.find(name); it != declared.end()) {
    // A declaration mconv cannot represent (e.g. a double intermediate) is only a hint: leave the
    // value untyped and let the op that produces it decide.
    if (!read_tensor_type(*it->second, &dtype, &shape, &has_shape).ok()) {
      dtype = DType::kUndefined;
      shape.clear();
      has_shape = false;
    }
  }
  ir::Value* v = graph->add_value(ir_name(name), dtype, shape, has_shape);
  if (v->name != ir_name(name))  // only possible when the importer itself took the name first
    return Status::Error("value name '" + printable(name) + "' clashes with a generated name");
  values[name] = v;
  return v;
}

Status read_tensor_type(const ::onnx::TypeProto& type, DType* dtype, ir::Shape* shape,
                        bool* has_shape) {
  if (!type.has_tensor_type()) return Status::Error("is not a tensor");
  const auto& tensor = type.tensor_type();
  *dtype = dtype_from_onnx(tensor.elem_type());
  if (*dtype == DType::kUndefined)
    return Status::Error("has element type " + onnx_type_name(tensor.elem_type()) +
                         " that mconv does not support");
  shape->clear();
  *has_shape = tensor.has_shape();
  if (!*has_shape) return Status::Ok();
  for (const auto& d : tensor.shape().dim()) {
    ir::Dim dim;
    if (d.has_dim_value()) {
      if (d.dim_value() < 0)
        return Status::Error("has negative dimension " + std::to_string(d.dim_value()));
      dim.size = d.dim_value();
    } else if (d.has_dim_param()) {
      dim.symbol = printable(d.dim_param());
    }
    shape->push_back(dim);
  }
  return Status::Ok();
}

namespace {
// `budget` bounds the number of values visited, so hostile graphs cannot make this expensive.
int known_rank_within(const ir::Value* value, int* budget) {
  if (!value || --*budget < 0) return -1;
  if (value->has_shape) return static_cast<int>(value->shape.size());
  if (value->constant) return value->constant->rank();
  const ir::Node* p = value->producer;
  if (!p || p->inputs.empty()) return -1;
  switch (p->op) {
    case ir::OpType::kGemm:
    case ir::OpType::kFlatten:
      return 2;
    case ir::OpType::kShape:
      return 1;
    case ir::OpType::kAdd:
    case ir::OpType::kSub:
    case ir::OpType::kMul:
    case ir::OpType::kDiv:
    case ir::OpType::kPow:
    case ir::OpType::kMatMul: {
      // Broadcasting (and MatMul of operands of rank >= 2) yields the larger rank.
      const int a = known_rank_within(p->inputs[0], budget);
      const int b = known_rank_within(p->inputs[1], budget);
      if (a < 0 || b < 0) return -1;
      if (p->op == ir::OpType::kMatMul && (a < 2 || b < 2)) return -1;
      return std::max(a, b);
    }
    case ir::OpType::kConv:
    case ir::OpType::kBatchNormalization:
    case ir::OpType::kGlobalAveragePool:
    case ir::OpType::kAveragePool:
    case ir::OpType::kMaxPool:
    case ir::OpType::kRelu:
    case ir::OpType::kClip:
    case ir::OpType::kLeakyRelu:
    case ir::OpType::kHardSigmoid:
    case ir::OpType::kHardSwish:
    case ir::OpType::kSigmoid:
    case ir::OpType::kTanh:
    case ir::OpType::kSqrt:
    case ir::OpType::kIdentity:
    case ir::OpType::kDropout:
    case ir::OpType::kSoftmax:
    case ir::OpType::kCast:
    case ir::OpType::kQuantizeLinear:
    case ir::OpType::kDequantizeLinear:
    case ir::OpType::kTranspose:
    case ir::OpType::kConcat:
    case ir::OpType::kSplit:
    case ir::OpType::kSlice:
    case ir::OpType::kPad:
      return known_rank_within(p->inputs[0], budget);
    default:
      return -1;
  }
}
}  // namespace

int known_rank(const ir::Value* value) {
  int budget = 256;
  return known_rank_within(value, &budget);
}

NodeImporter::NodeImporter(ImportContext& ctx, const ::onnx::NodeProto& proto, int index)
    : ctx_(ctx), proto_(proto), index_(index), attrs_(proto) {
  status_ = wrap(attrs_.status());
  for (const std::string& name : proto.input()) {
    if (name.empty()) {
      inputs_.push_back(nullptr);
      continue;
    }
    auto it = ctx.values.find(name);
    if (it == ctx.values.end()) {
      if (status_.ok())
        status_ = error("input '" + printable(name) +
                        "' is not produced by any node, initializer or graph input");
      inputs_.push_back(nullptr);
      continue;
    }
    inputs_.push_back(it->second);
  }
}

Status NodeImporter::error(const std::string& message) const {
  const std::string who =
      proto_.name().empty() ? "#" + std::to_string(index_) : "'" + printable(proto_.name()) + "'";
  return Status::Error(ctx_.source + ": node " + who + " (" + printable(proto_.op_type()) +
                       "): " + message);
}

int NodeImporter::input_count() const {
  return static_cast<int>(inputs_.size());
}

Status NodeImporter::check_arity(int min_inputs, int max_inputs, int min_outputs,
                                 int max_outputs) const {
  const int nin = proto_.input_size(), nout = proto_.output_size();
  if (nin < min_inputs || nin > max_inputs)
    return error("has " + std::to_string(nin) + " inputs, expected " +
                 (min_inputs == max_inputs
                      ? std::to_string(min_inputs)
                      : std::to_string(min_inputs) + ".." + std::to_string(max_inputs)));
  if (nout < min_outputs || nout > max_outputs)
    return error("has " + std::to_string(nout) + " outputs, expected " +
                 (min_outputs == max_outputs
                      ? std::to_string(min_outputs)
                      : std::to_string(min_outputs) + ".." + std::to_string(max_outputs)));
  for (int i = 0; i < min_inputs; ++i)
    if (proto_.input(i).empty()) return error("required input " + std::to_string(i) + " is empty");
  return Status::Ok();
}

Status NodeImporter::drop_outputs_from(int first) const {
  for (int i = first; i < proto_.output_size(); ++i) {
    const std::string& name = proto_.output(i);
    if (!name.empty() && ctx_.consumed.count(name))
      return error("output " + std::to_string(i) + " ('" + printable(name) +
                   "') is used, but mconv only supports the first " + std::to_string(first) +
                   " output(s) of this op (inference mode)");
  }
  return Status::Ok();
}

Expected<std::vector<int64_t>> NodeImporter::constant_ints(int i, const std::string& what) const {
  const ir::Value* v = input(i);
  if (!v) return error(what + " is missing");
  if (!v->constant)
    return error(what + " ('" + v->name + "') must be a constant; mconv cannot handle it computed");
  const DType t = v->constant->dtype();
  if (t != DType::kI64 && t != DType::kI32)
    return error(what + " ('" + v->name + "') must be int64/int32, got " +
                 std::string(dtype_name(t)));
  return v->constant->to_i64();
}

ir::Value* NodeImporter::add_constant(const std::string& suffix, Tensor data) {
  const std::string base =
      ir_name(proto_.name().empty() ? proto_.op_type() : proto_.name()) + "_" + suffix;
  return ctx_.graph->add_constant(ctx_.fresh_name(base), std::move(data));
}

ir::Value* NodeImporter::add_temp(const std::string& suffix) {
  const std::string base =
      ir_name(proto_.name().empty() ? proto_.op_type() : proto_.name()) + "_" + suffix;
  return ctx_.graph->add_value(ctx_.fresh_name(base), DType::kUndefined, {}, false);
}

Expected<ir::Value*> NodeImporter::output(int i) {
  if (i >= proto_.output_size()) return error("output " + std::to_string(i) + " is missing");
  const std::string& name = proto_.output(i);
  if (name.empty()) return error("output " + std::to_string(i) + " has an empty name");
  if (ctx_.values.count(name))
    return error("output '" + printable(name) + "' is already defined elsewhere in the graph");
  auto defined = ctx_.define_value(name);
  if (!defined.ok()) return wrap(defined.status());
  return *defined;
}

Status NodeImporter::define_constant_output(int i, Tensor data) {
  MCONV_ASSIGN_OR_RETURN(ir::Value * v, output(i));
  if (v->has_shape && static_dims(v->shape) != data.shape())
    return error("constant has shape " + shape_to_string(data.shape()) + " but the file declares " +
                 ir::shape_string(v->shape));
  if (v->dtype != DType::kUndefined && v->dtype != data.dtype())
    return error("constant has type " + std::string(dtype_name(data.dtype())) +
                 " but the file declares " + std::string(dtype_name(v->dtype)));
  v->dtype = data.dtype();
  v->shape = ir::make_shape(data.shape());
  v->has_shape = true;
  v->constant = std::make_shared<const Tensor>(std::move(data));
  return Status::Ok();
}

namespace {

// Element type of a node's output when the file does not declare it: ops that compute a new
// type say so; everything else keeps the type of its first data input.
DType output_dtype(const ir::Node& node) {
  switch (node.op) {
    case ir::OpType::kShape:
      return DType::kI64;
    case ir::OpType::kCast:
      return static_cast<DType>(node.attrs.get_int("to", 0));
    case ir::OpType::kQuantizeLinear:
      return node.inputs.size() > 2 && node.inputs[2] ? node.inputs[2]->dtype : DType::kU8;
    case ir::OpType::kDequantizeLinear:
      return node.inputs[1] ? node.inputs[1]->dtype : DType::kF32;
    case ir::OpType::kConstantOfShape: {
      const Tensor* value = node.attrs.get_tensor("value");
      return value ? value->dtype() : DType::kF32;
    }
    default:
      return node.inputs.empty() || !node.inputs[0] ? DType::kUndefined : node.inputs[0]->dtype;
  }
}

}  // namespace

Expected<ir::Node*> NodeImporter::add_node(ir::OpType op, const std::string& name,
                                           std::vector<ir::Value*> inputs, ir::Attributes attrs,
                                           std::vector<ir::Value*> outputs) {
  ir::Node* node = ctx_.graph->add_node(op, name, std::move(inputs), std::move(outputs));
  node->attrs = std::move(attrs);
  if (ir::op_info(op).layout_sensitive) node->layout = ir::Layout::kNCHW;
  for (ir::Value* out : node->outputs)
    if (out->dtype == DType::kUndefined) out->dtype = output_dtype(*node);
  return node;
}

Expected<ir::Node*> NodeImporter::emit(ir::OpType op, std::vector<ir::Value*> inputs,
                                       ir::Attributes attrs, int output_count) {
  std::vector<ir::Value*> outputs;
  for (int i = 0; i < output_count; ++i) {
    MCONV_ASSIGN_OR_RETURN(ir::Value * v, output(i));
    outputs.push_back(v);
  }
  return add_node(op, ir_name(proto_.name()), std::move(inputs), std::move(attrs),
                  std::move(outputs));
}

Expected<ir::Node*> NodeImporter::emit_helper(ir::OpType op, const std::string& suffix,
                                              std::vector<ir::Value*> inputs, ir::Attributes attrs,
                                              std::vector<ir::Value*> outputs) {
  const std::string base =
      ir_name(proto_.name().empty() ? proto_.op_type() : proto_.name()) + "_" + suffix;
  return add_node(op, base, std::move(inputs), std::move(attrs), std::move(outputs));
}

}  // namespace mconv::onnx
