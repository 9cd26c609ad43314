#include "onnx/onnx_export_ops.h"

#include <algorithm>
#include <array>
#include <sstream>
#include <variant>

#include "onnx/onnx_pb.h"
#include "onnx/onnx_tensor.h"
#include "onnx/onnx_types.h"

namespace mconv::onnx {

using ir::OpType;
using ::onnx::AttributeProto;
using ::onnx::NodeProto;

std::string ExportContext::fresh_name(const std::string& base) {
  std::string candidate = base;
  for (int i = 1; names.count(candidate); ++i) candidate = base + "_" + std::to_string(i);
  names.insert(candidate);
  return candidate;
}

Expected<std::string> ExportContext::add_initializer(const std::string& base, const Tensor& data) {
  ::onnx::TensorProto* t = graph->add_initializer();
  MCONV_RETURN_IF_ERROR(encode_tensor(data, t));
  t->set_name(fresh_name(base));
  return t->name();
}

Status node_error(const ir::Node& node, const std::string& message) {
  return Status::Error("node '" + node.name + "' (" + std::string(ir::op_name(node.op)) +
                       "): " + message);
}

namespace {

Status set_attribute(const std::string& name, const ir::AttrValue& value, AttributeProto* a) {
  a->set_name(name);
  struct Writer {
    AttributeProto* a;
    Status operator()(int64_t v) {
      a->set_type(AttributeProto::INT);
      a->set_i(v);
      return Status::Ok();
    }
    Status operator()(float v) {
      a->set_type(AttributeProto::FLOAT);
      a->set_f(v);
      return Status::Ok();
    }
    Status operator()(const std::string& v) {
      a->set_type(AttributeProto::STRING);
      a->set_s(v);
      return Status::Ok();
    }
    Status operator()(const std::vector<int64_t>& v) {
      a->set_type(AttributeProto::INTS);
      for (int64_t x : v) a->add_ints(x);
      return Status::Ok();
    }
    Status operator()(const std::vector<float>& v) {
      a->set_type(AttributeProto::FLOATS);
      for (float x : v) a->add_floats(x);
      return Status::Ok();
    }
    Status operator()(const std::vector<std::string>& v) {
      a->set_type(AttributeProto::STRINGS);
      for (const std::string& x : v) a->add_strings(x);
      return Status::Ok();
    }
    Status operator()(const Tensor& v) {
      a->set_type(AttributeProto::TENSOR);
      return encode_tensor(v, a->mutable_t());
    }
  };
  return std::visit(Writer{a}, value);
}

bool listed(const char* list, const std::string& name) {
  std::stringstream ss(list);
  std::string item;
  while (std::getline(ss, item, ','))
    if (item == name) return true;
  return false;
}

// Writes `node` as one NodeProto of the same op: names, inputs (omitted optional ones as ""),
// outputs, and the attributes in `allowed` (comma-separated). Any other attribute is an error:
// it would carry meaning ONNX cannot express.
Expected<NodeProto*> write_plain(ExportContext& ctx, const ir::Node& node, const char* allowed) {
  NodeProto* p = ctx.graph->add_node();
  p->set_op_type(std::string(ir::op_name(node.op)));
  p->set_name(node.name);
  size_t used_inputs = node.inputs.size();
  while (used_inputs > 0 && !node.inputs[used_inputs - 1]) --used_inputs;
  for (size_t i = 0; i < used_inputs; ++i) p->add_input(node.inputs[i] ? node.inputs[i]->name : "");
  for (const ir::Value* out : node.outputs) p->add_output(out->name);
  for (const auto& [name, value] : node.attrs.all()) {
    if (!listed(allowed, name))
      return node_error(node, "attribute '" + name + "' has no ONNX equivalent");
    MCONV_RETURN_IF_ERROR(set_attribute(name, value, p->add_attribute())
                              .with_context("node '" + node.name + "' attribute '" + name + "'"));
  }
  return p;
}

void erase_attribute(NodeProto* p, const std::string& name) {
  auto* attrs = p->mutable_attribute();
  for (int i = 0; i < attrs->size(); ++i)
    if (attrs->Get(i).name() == name) {
      attrs->erase(attrs->begin() + i);
      return;
    }
}

Status export_cast(ExportContext& ctx, const ir::Node& node) {
  MCONV_ASSIGN_OR_RETURN(NodeProto * p, write_plain(ctx, node, "to"));
  const int64_t to = node.attrs.get_int("to", 0);
  const int32_t onnx_type = to > 0 && to < kDTypeCount ? dtype_to_onnx(static_cast<DType>(to)) : 0;
  if (onnx_type == 0) return node_error(node, "cast target " + std::to_string(to) + " is invalid");
  for (auto& a : *p->mutable_attribute())
    if (a.name() == "to") a.set_i(onnx_type);
  return Status::Ok();
}

// A quantized spatial mean (ReduceMean over H and W of an NCHW tensor, dims kept, reading a
// DequantizeLinear): ONNX Runtime fuses DequantizeLinear -> GlobalAveragePool -> QuantizeLinear
// into QLinearGlobalAveragePool (which its NHWC rewrite keeps channels-last), but has no fusion
// for ReduceMean: it ran in float between a DequantizeLinear and a QuantizeLinear.
bool is_quantized_spatial_mean(const ir::Node& node) {
  const ir::Value* x = node.inputs.empty() ? nullptr : node.inputs[0];
  if (!x || !x->has_shape || x->shape.size() != 4 || node.attrs.get_int("keepdims", 1) != 1 ||
      !x->producer || x->producer->op != OpType::kDequantizeLinear)
    return false;
  std::vector<int64_t> axes = node.attrs.get_ints("axes");
  for (int64_t& a : axes) a = a < 0 ? a + 4 : a;
  std::sort(axes.begin(), axes.end());
  return axes == std::vector<int64_t>{2, 3};
}

Status export_reduce_mean(ExportContext& ctx, const ir::Node& node) {
  if (is_quantized_spatial_mean(node)) {
    NodeProto* gap = ctx.graph->add_node();
    gap->set_op_type("GlobalAveragePool");
    gap->set_name(node.name);
    gap->add_input(node.inputs[0]->name);
    gap->add_output(node.outputs[0]->name);
    return Status::Ok();
  }
  MCONV_ASSIGN_OR_RETURN(NodeProto * p, write_plain(ctx, node, "axes,keepdims"));
  if (ctx.opset < 18 || !node.attrs.has("axes")) return Status::Ok();
  // Opset 18 moved axes from an attribute to an input.
  const std::vector<int64_t> axes = node.attrs.get_ints("axes");
  erase_attribute(p, "axes");
  MCONV_ASSIGN_OR_RETURN(
      std::string name, ctx.add_initializer(node.name + "_axes", vector_tensor(DType::kI64, axes)));
  p->add_input(name);
  return Status::Ok();
}

Status export_split(ExportContext& ctx, const ir::Node& node) {
  MCONV_ASSIGN_OR_RETURN(NodeProto * p, write_plain(ctx, node, "axis"));
  // Opset 18 needs num_outputs when the sizes are not given (equal split).
  if (ctx.opset >= 18 && p->input_size() < 2) {
    AttributeProto* a = p->add_attribute();
    a->set_name("num_outputs");
    a->set_type(AttributeProto::INT);
    a->set_i(static_cast<int64_t>(node.outputs.size()));
  }
  return Status::Ok();
}

Status export_reshape(ExportContext& ctx, const ir::Node& node) {
  MCONV_ASSIGN_OR_RETURN(NodeProto * p, write_plain(ctx, node, "allowzero"));
  if (ctx.opset >= 14) return Status::Ok();
  // allowzero appeared in opset 14; 0 is the older behaviour, 1 cannot be expressed.
  if (node.attrs.get_int("allowzero", 0) != 0)
    return node_error(node, "allowzero=1 needs opset >= 14");
  erase_attribute(p, "allowzero");
  return Status::Ok();
}

Status export_hard_swish(ExportContext& ctx, const ir::Node& node) {
  if (ctx.opset >= 14) return write_plain(ctx, node, "").status();
  // Before opset 14: HardSwish(x) = x * HardSigmoid(x; alpha=1/6, beta=0.5).
  const std::string gate = ctx.fresh_name(node.outputs[0]->name + "_gate");
  NodeProto* sigmoid = ctx.graph->add_node();
  sigmoid->set_op_type("HardSigmoid");
  sigmoid->set_name(node.name + "_hardsigmoid");
  sigmoid->add_input(node.inputs[0]->name);
  sigmoid->add_output(gate);
  MCONV_RETURN_IF_ERROR(set_attribute("alpha", 1.0f / 6.0f, sigmoid->add_attribute()));
  MCONV_RETURN_IF_ERROR(set_attribute("beta", 0.5f, sigmoid->add_attribute()));
  NodeProto* mul = ctx.graph->add_node();
  mul->set_op_type("Mul");
  mul->set_name(node.name);
  mul->add_input(node.inputs[0]->name);
  mul->add_input(gate);
  mul->add_output(node.outputs[0]->name);
  return Status::Ok();
}

Status export_shape(ExportContext& ctx, const ir::Node& node) {
  if (ctx.opset < 15 && (node.attrs.has("start") || node.attrs.has("end")))
    return node_error(node, "Shape with start/end needs opset >= 15");
  return write_plain(ctx, node, "start,end").status();
}

Status export_pad(ExportContext& ctx, const ir::Node& node) {
  if (ctx.opset < 18 && node.inputs.size() > 3 && node.inputs[3])
    return node_error(node, "Pad with an axes input needs opset >= 18");
  return write_plain(ctx, node, "mode").status();
}

using NodeExporter = Status (*)(ExportContext&, const ir::Node&);

struct OpExportRule {
  OpType op;            // the IR op (rows follow MCONV_IR_OPS order)
  const char* attrs;    // ONNX attributes the op may carry, comma-separated
  NodeExporter custom;  // converter when more than a plain copy is needed, else nullptr
};

constexpr std::array kRules = {
    OpExportRule{OpType::kConv, "kernel_shape,strides,pads,dilations,group", nullptr},
    OpExportRule{OpType::kBatchNormalization, "epsilon,momentum", nullptr},
    OpExportRule{OpType::kRelu, "", nullptr},
    OpExportRule{OpType::kClip, "", nullptr},
    OpExportRule{OpType::kLeakyRelu, "alpha", nullptr},
    OpExportRule{OpType::kHardSigmoid, "alpha,beta", nullptr},
    OpExportRule{OpType::kHardSwish, "", export_hard_swish},
    OpExportRule{OpType::kSigmoid, "", nullptr},
    OpExportRule{OpType::kTanh, "", nullptr},
    OpExportRule{OpType::kAdd, "", nullptr},
    OpExportRule{OpType::kSub, "", nullptr},
    OpExportRule{OpType::kMul, "", nullptr},
    OpExportRule{OpType::kDiv, "", nullptr},
    OpExportRule{OpType::kPow, "", nullptr},
    OpExportRule{OpType::kSqrt, "", nullptr},
    OpExportRule{OpType::kGlobalAveragePool, "", nullptr},
    OpExportRule{OpType::kAveragePool, "kernel_shape,strides,pads,ceil_mode,count_include_pad",
                 nullptr},
    OpExportRule{OpType::kMaxPool, "kernel_shape,strides,pads,ceil_mode,dilations,storage_order",
                 nullptr},
    OpExportRule{OpType::kFlatten, "axis", nullptr},
    OpExportRule{OpType::kReshape, "allowzero", export_reshape},
    OpExportRule{OpType::kGemm, "alpha,beta,transA,transB", nullptr},
    OpExportRule{OpType::kMatMul, "", nullptr},
    OpExportRule{OpType::kConcat, "axis", nullptr},
    OpExportRule{OpType::kTranspose, "perm", nullptr},
    OpExportRule{OpType::kSplit, "axis", export_split},
    OpExportRule{OpType::kSlice, "", nullptr},
    OpExportRule{OpType::kSqueeze, "", nullptr},
    OpExportRule{OpType::kUnsqueeze, "", nullptr},
    OpExportRule{OpType::kShape, "start,end", export_shape},
    OpExportRule{OpType::kGather, "axis", nullptr},
    OpExportRule{OpType::kConstantOfShape, "value", nullptr},
    OpExportRule{OpType::kIdentity, "", nullptr},
    OpExportRule{OpType::kDropout, "seed", nullptr},
    OpExportRule{OpType::kSoftmax, "axis", nullptr},
    OpExportRule{OpType::kPad, "mode", export_pad},
    OpExportRule{OpType::kReduceMean, "axes,keepdims", export_reduce_mean},
    OpExportRule{OpType::kCast, "to", export_cast},
    OpExportRule{OpType::kQuantizeLinear, "axis", nullptr},
    OpExportRule{OpType::kDequantizeLinear, "axis", nullptr},
};
static_assert(kRules.size() == ir::kOpTypeCount, "one ONNX export rule per IR op");

constexpr bool rules_in_op_order() {
  for (size_t i = 0; i < kRules.size(); ++i)
    if (static_cast<size_t>(kRules[i].op) != i) return false;
  return true;
}
static_assert(rules_in_op_order(), "kRules rows must follow MCONV_IR_OPS order");

}  // namespace

Status export_node(ExportContext& ctx, const ir::Node& node) {
  const OpExportRule& rule = kRules[static_cast<size_t>(node.op)];
  if (ir::op_info(node.op).layout_sensitive && node.layout != ir::Layout::kNCHW)
    return node_error(node, "has layout " + std::string(ir::layout_name(node.layout)) +
                                "; ONNX needs NCHW (convert the layout before exporting)");
  if (rule.custom) return rule.custom(ctx, node);
  return write_plain(ctx, node, rule.attrs).status();
}

}  // namespace mconv::onnx
