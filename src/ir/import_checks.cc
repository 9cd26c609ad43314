#include "ir/import_checks.h"

#include <algorithm>
#include <cmath>
#include <unordered_map>

#include "core/half.h"

namespace mconv::ir {
namespace {

std::string node_label(const Node& n) {
  return "node '" + n.name + "' (" + std::string(op_name(n.op)) + ")";
}

// "constant 'w' (read by node 'conv' (Conv))": who to blame for a bad weight.
std::string constant_label(const Value& v) {
  std::string label = "constant '" + v.name + "'";
  if (!v.consumers.empty()) label += " (read by " + node_label(*v.consumers.front()) + ")";
  return label;
}

// Index of the first NaN or infinite element of a float constant, or -1.
int64_t first_non_finite(const Tensor& t, float* bad) {
  const int64_t n = t.element_count();
  for (int64_t i = 0; i < n; ++i) {
    float x;
    switch (t.dtype()) {
      case DType::kF32:
        x = t.data<float>()[i];
        break;
      case DType::kF16:
        x = half_to_float(t.data<uint16_t>()[i]);
        break;
      case DType::kBF16:
        x = bfloat16_to_float(t.data<uint16_t>()[i]);
        break;
      default:
        return -1;
    }
    if (!std::isfinite(x)) {
      *bad = x;
      return i;
    }
  }
  return -1;
}

}  // namespace

int64_t graph_depth(const Graph& graph) {
  std::unordered_map<const Node*, int64_t> depth;
  depth.reserve(graph.nodes().size());
  int64_t deepest = 0;
  for (const auto& node : graph.nodes()) {
    int64_t d = 1;
    for (const Value* in : node->inputs) {
      if (!in || !in->producer) continue;
      auto it = depth.find(in->producer);
      if (it != depth.end()) d = std::max(d, it->second + 1);
    }
    depth[node.get()] = d;
    deepest = std::max(deepest, d);
  }
  return deepest;
}

Status check_import_limits(const Graph& graph, const ImportLimits& limits) {
  const int64_t nodes = static_cast<int64_t>(graph.nodes().size());
  if (nodes > limits.max_nodes)
    return Status::Error("graph has " + std::to_string(nodes) + " operators, over the limit of " +
                         std::to_string(limits.max_nodes) + " (MCONV_MAX_NODES)");
  const int64_t depth = graph_depth(graph);
  if (depth > limits.max_graph_depth)
    return Status::Error("graph has a chain of " + std::to_string(depth) +
                         " operators, over the depth limit of " +
                         std::to_string(limits.max_graph_depth) + " (MCONV_MAX_GRAPH_DEPTH)");
  uint64_t constant_bytes = 0;
  for (const auto& value : graph.values()) {
    const Value& v = *value;
    if (v.has_shape) {
      std::vector<int64_t> dims;
      dims.reserve(v.shape.size());
      for (const Dim& d : v.shape) dims.push_back(d.known() ? d.size : 0);  // unknown: no size
      auto count = check_tensor_shape(limits, "value '" + v.name + "'", dims.data(), dims.size());
      if (!count.ok()) return count.status();
    }
    if (!v.constant) continue;
    const Tensor& t = *v.constant;
    MCONV_RETURN_IF_ERROR(
        check_tensor_bytes(limits, constant_label(v), t.element_count(), dtype_size(t.dtype())));
    constant_bytes += t.byte_size();
    if (constant_bytes > limits.max_total_constant_bytes)
      return Status::Error("constants take more than " +
                           std::to_string(limits.max_total_constant_bytes) +
                           " bytes, over the limit (MCONV_MAX_TOTAL_CONSTANT_BYTES)");
    if (limits.allow_non_finite_weights) continue;
    float bad = 0;
    const int64_t at = first_non_finite(t, &bad);
    if (at >= 0)
      return Status::Error(constant_label(v) + " holds " + (std::isnan(bad) ? "NaN" : "Inf") +
                           " at element " + std::to_string(at) +
                           "; non-finite weights are refused (MCONV_ALLOW_NON_FINITE_WEIGHTS=1 "
                           "accepts them)");
  }
  return Status::Ok();
}

}  // namespace mconv::ir
