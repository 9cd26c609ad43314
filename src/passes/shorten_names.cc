#include "passes/shorten_names.h"

#include <algorithm>

namespace mconv::passes {
namespace {

// The part before the first ';' ("" when the name does not have one or starts with it).
std::string first_segment(const std::string& name) {
  const size_t semi = name.find(';');
  if (semi == std::string::npos || semi == 0) return "";
  return name.substr(0, semi);
}

}  // namespace

Expected<PassResult> shorten_fused_names(ir::Graph& graph) {
  PassResult result;
  auto is_io = [&](const ir::Value* v) {
    return std::find(graph.inputs.begin(), graph.inputs.end(), v) != graph.inputs.end() ||
           std::find(graph.outputs.begin(), graph.outputs.end(), v) != graph.outputs.end();
  };
  std::vector<ir::Value*> values;
  for (const auto& v : graph.values()) values.push_back(v.get());
  for (ir::Value* v : values) {
    const std::string shorter = first_segment(v->name);
    if (shorter.empty() || is_io(v)) continue;
    graph.rename_value(v, shorter);
    ++result.changes;
  }
  for (const auto& n : graph.nodes()) {
    const std::string shorter = first_segment(n->name);
    if (shorter.empty()) continue;
    graph.rename_node(n.get(), shorter);
    ++result.changes;
  }
  return result;
}

}  // namespace mconv::passes
