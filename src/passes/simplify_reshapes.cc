#include "passes/simplify_reshapes.h"

#include <algorithm>
#include <optional>

namespace mconv::passes {
namespace {

bool is_graph_output(const ir::Graph& graph, const ir::Value* value) {
  return std::find(graph.outputs.begin(), graph.outputs.end(), value) != graph.outputs.end();
}

bool is_reshape_like(ir::OpType op) {
  return op == ir::OpType::kReshape || op == ir::OpType::kFlatten || op == ir::OpType::kSqueeze ||
         op == ir::OpType::kUnsqueeze;
}

// The constant Reshape target reproducing `shape`: known dims as is, the one unknown dim as -1.
// nullopt when two dims are unknown or a dim is 0 (0 means "copy" in a Reshape target).
std::optional<std::vector<int64_t>> constant_target(const ir::Shape& shape) {
  std::vector<int64_t> target;
  int unknown = 0;
  for (const ir::Dim& d : shape) {
    if (d.known() && d.size == 0) return std::nullopt;
    if (!d.known()) ++unknown;
    target.push_back(d.known() ? d.size : -1);
  }
  if (unknown > 1) return std::nullopt;
  return target;
}

// Same dims, unknown ones matched by a shared non-empty symbol.
bool same_shape(const ir::Shape& a, const ir::Shape& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i].known() != b[i].known()) return false;
    if (a[i].known() ? a[i].size != b[i].size : (a[i].symbol.empty() || a[i].symbol != b[i].symbol))
      return false;
  }
  return true;
}

// Walks up a chain of reshape-like nodes whose intermediate values feed nothing else.
ir::Value* chain_start(const ir::Graph& graph, ir::Value* value) {
  while (true) {
    ir::Node* producer = value->producer;
    if (!producer || !is_reshape_like(producer->op) || value->consumers.size() != 1 ||
        is_graph_output(graph, value) || value->quant || producer->inputs.empty() ||
        !producer->inputs[0])
      return value;
    value = producer->inputs[0];
  }
}

bool has_constant_target(const ir::Node& node, const std::vector<int64_t>& target) {
  return node.op == ir::OpType::kReshape && node.inputs.size() == 2 && node.inputs[1] &&
         node.inputs[1]->constant && node.inputs[1]->constant->dtype() == DType::kI64 &&
         node.inputs[1]->constant->to_i64() == target;
}

}  // namespace

Expected<PassResult> simplify_reshapes(ir::Graph& graph) {
  MCONV_RETURN_IF_ERROR(graph.topological_sort());
  PassResult result;
  std::vector<ir::Node*> order;
  for (const auto& n : graph.nodes()) order.push_back(n.get());
  for (ir::Node* node : order) {
    if (!is_reshape_like(node->op) || node->outputs.size() != 1 || node->inputs.empty() ||
        !node->inputs[0])
      continue;
    ir::Value* out = node->outputs[0];
    if (!out->has_shape || out->quant) continue;
    ir::Value* source = chain_start(graph, node->inputs[0]);
    if (!source->has_shape) continue;

    if (same_shape(source->shape, out->shape) && !is_graph_output(graph, out)) {
      graph.remove_node(node);
      graph.replace_all_uses(out, source);
      ++result.changes;
      continue;
    }
    std::optional<std::vector<int64_t>> target = constant_target(out->shape);
    if (!target) continue;
    bool computed_target = node->op == ir::OpType::kReshape && node->inputs.size() == 2 &&
                           node->inputs[1] && !node->inputs[1]->is_constant();
    if (source == node->inputs[0] && !computed_target) continue;  // nothing to gain
    if (has_constant_target(*node, *target) && source == node->inputs[0]) continue;

    ir::Value* shape = graph.add_constant(
        node->name + "_shape",
        Tensor::FromVector<int64_t>(DType::kI64, {static_cast<int64_t>(target->size())}, *target));
    node->op = ir::OpType::kReshape;
    node->attrs = ir::Attributes();
    graph.set_input(node, 0, source);
    graph.set_input(node, 1, shape);
    ++result.changes;
  }
  return result;
}

}  // namespace mconv::passes
