#include "passes/remove_identity.h"

#include <algorithm>

namespace mconv::passes {
namespace {

bool is_graph_output(const ir::Graph& graph, const ir::Value* value) {
  return std::find(graph.outputs.begin(), graph.outputs.end(), value) != graph.outputs.end();
}

bool is_pass_through(const ir::Graph& graph, const ir::Node& node) {
  if (node.inputs.empty() || !node.inputs[0] || node.outputs.empty()) return false;
  if (node.op == ir::OpType::kIdentity) return node.outputs.size() == 1;
  if (node.op != ir::OpType::kDropout) return false;
  // Only the data output may be in use; a used mask cannot be expressed without the node.
  for (size_t i = 1; i < node.outputs.size(); ++i)
    if (!node.outputs[i]->consumers.empty() || is_graph_output(graph, node.outputs[i]))
      return false;
  return true;
}

}  // namespace

Expected<PassResult> remove_identity(ir::Graph& graph) {
  PassResult result;
  std::vector<ir::Node*> candidates;
  for (const auto& n : graph.nodes())
    if (is_pass_through(graph, *n)) candidates.push_back(n.get());
  for (ir::Node* node : candidates) {
    ir::Value* in = node->inputs[0];
    ir::Value* out = node->outputs[0];
    if (!in) continue;
    if (!is_graph_output(graph, out)) {
      graph.remove_node(node);
      graph.replace_all_uses(out, in);
      ++result.changes;
      continue;
    }
    // `out` is a graph output: let in's producer write `out` instead, if nobody else reads `in`.
    ir::Node* producer = in->producer;
    if (!producer || in->consumers.size() != 1 || is_graph_output(graph, in)) continue;
    graph.remove_node(node);
    auto slot = std::find(producer->outputs.begin(), producer->outputs.end(), in);
    *slot = out;
    out->producer = producer;
    in->producer = nullptr;
    if (out->dtype == DType::kUndefined) out->dtype = in->dtype;
    if (!out->quant) out->quant = in->quant;
    if (!out->has_shape) {
      out->shape = in->shape;
      out->has_shape = in->has_shape;
    }
    ++result.changes;
  }
  return result;
}

}  // namespace mconv::passes
