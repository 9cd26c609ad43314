#include "ir/verifier.h"

#include <algorithm>
#include <unordered_set>

namespace mconv::ir {
namespace {

std::string where(const Node& n) {
  return "node '" + n.name + "' (" + std::string(op_name(n.op)) + ")";
}

bool is_elementwise_binary(OpType op) {
  return op == OpType::kAdd || op == OpType::kSub || op == OpType::kMul || op == OpType::kDiv;
}

}  // namespace

Status check_arity(const Node& node) {
  const OpInfo& info = op_info(node.op);
  const int inputs = static_cast<int>(node.inputs.size());
  if (inputs < info.min_inputs || inputs > info.max_inputs)
    return Status::Error(where(node) + ": has " + std::to_string(inputs) + " inputs, expected " +
                         std::to_string(info.min_inputs) + ".." + std::to_string(info.max_inputs));
  if (info.outputs >= 0 && static_cast<int>(node.outputs.size()) != info.outputs)
    return Status::Error(where(node) + ": has " + std::to_string(node.outputs.size()) +
                         " outputs, expected " + std::to_string(info.outputs));
  for (int i = 0; i < std::min(inputs, info.min_inputs); ++i)
    if (!node.inputs[i])
      return Status::Error(where(node) + ": required input " + std::to_string(i) + " is missing");
  return Status::Ok();
}

Status verify(const Graph& graph) {
  std::unordered_set<const Value*> defined(graph.inputs.begin(), graph.inputs.end());
  std::unordered_set<const Value*> all;
  for (const auto& v : graph.values()) {
    all.insert(v.get());
    if (v->constant) {
      defined.insert(v.get());
      if (v->constant->dtype() != v->dtype)
        return Status::Error("constant '" + v->name + "' holds " +
                             std::string(dtype_name(v->constant->dtype())) + " data but is typed " +
                             std::string(dtype_name(v->dtype)));
      if (v->has_shape && static_dims(v->shape) != v->constant->shape())
        return Status::Error("constant '" + v->name + "' has shape " +
                             shape_to_string(v->constant->shape()) + " but is declared " +
                             shape_string(v->shape));
      if (v->producer) return Status::Error("constant '" + v->name + "' also has a producer");
    }
  }
  for (const Value* in : graph.inputs)
    if (in->producer) return Status::Error("graph input '" + in->name + "' has a producer");

  for (const auto& node : graph.nodes()) {
    const Node& n = *node;
    const OpInfo& info = op_info(n.op);
    MCONV_RETURN_IF_ERROR(check_arity(n));
    if (info.layout_sensitive && n.layout == Layout::kNone)
      return Status::Error(where(n) + ": layout-sensitive op without a layout");
    for (const Value* in : n.inputs) {
      if (!in) continue;  // an omitted optional input (check_arity: required ones are present)
      if (!all.count(in)) return Status::Error(where(n) + ": input is not in the graph");
      if (!defined.count(in))
        return Status::Error(where(n) + ": input '" + in->name +
                             "' is not defined before use (dangling value or cycle)");
      if (std::find(in->consumers.begin(), in->consumers.end(), &n) == in->consumers.end())
        return Status::Error(where(n) + ": input '" + in->name + "' does not list it as consumer");
    }
    for (const Value* out : n.outputs) {
      if (out->producer != &n)
        return Status::Error(where(n) + ": output '" + out->name + "' has another producer");
      if (defined.count(out))
        return Status::Error(where(n) + ": output '" + out->name + "' is defined twice");
      defined.insert(out);
    }
    if (is_elementwise_binary(n.op) && n.inputs[0]->dtype != n.inputs[1]->dtype)
      return Status::Error(where(n) + ": input dtypes differ (" +
                           std::string(dtype_name(n.inputs[0]->dtype)) + " vs " +
                           std::string(dtype_name(n.inputs[1]->dtype)) + ")");
    if (n.op == OpType::kConv) {
      const Value* w = n.inputs[1];
      if (w->has_shape && w->shape.size() != 4)
        return Status::Error(where(n) + ": weight '" + w->name + "' has rank " +
                             std::to_string(w->shape.size()) + ", expected 4 (OIHW)");
      if (n.inputs[0]->dtype != w->dtype && w->dtype != DType::kI8)
        return Status::Error(where(n) + ": input and weight dtypes differ");
    }
  }
  for (const Value* out : graph.outputs)
    if (!defined.count(out))
      return Status::Error("graph output '" + out->name + "' is never computed");
  return Status::Ok();
}

}  // namespace mconv::ir
