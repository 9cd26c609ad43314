// Hand-made delegate views (op_graph.h) for the rule tests: tensors with a type, shape and
// constness, operators with options, exactly as the readers would produce them from a file.
#pragma once

#include <string>
#include <vector>

#include "delegates/delegate_analysis.h"
#include "delegates/op_graph.h"

namespace mconv::delegates::test {

struct GraphBuilder {
  OpGraph g;
  explicit GraphBuilder(std::string format) { g.format = std::move(format); }

  int tensor(const std::string& name, ElemType type, std::vector<int64_t> dims,
             bool constant = false, bool quantized = false) {
    TensorInfo t;
    t.name = name;
    t.type = type;
    t.dims = std::move(dims);
    t.has_shape = true;
    t.is_constant = constant;
    t.quantized = quantized;
    g.tensors.push_back(t);
    return static_cast<int>(g.tensors.size()) - 1;
  }
  int ints(const std::string& name, std::vector<int64_t> values, ElemType type = ElemType::kI32) {
    const int t = tensor(name, type, {static_cast<int64_t>(values.size())}, true);
    g.tensors[t].ints = std::move(values);
    return t;
  }
  int floats(const std::string& name, std::vector<float> values) {
    const int t = tensor(name, ElemType::kF32, {}, true);
    g.tensors[t].floats = std::move(values);
    return t;
  }
  OpNode& node(const std::string& op, std::vector<int> inputs, std::vector<int> outputs,
               int version = 1) {
    OpNode n;
    n.name = op + "_" + std::to_string(g.nodes.size());
    n.op = op;
    n.version = version;
    n.inputs = std::move(inputs);
    n.outputs = std::move(outputs);
    g.nodes.push_back(n);
    return g.nodes.back();
  }
};

// The reason `key` gives for node `index`, or "" when the node is taken.
inline std::string reason_for(const DelegateReport& report, const std::string& key,
                              const std::string& node_name) {
  const DelegateCoverage* d = report.find(key);
  if (!d) return "<no delegate " + key + ">";
  for (const auto& n : d->not_taken)
    if (n.node == node_name) return n.reason.empty() ? "<empty reason>" : n.reason;
  return "";
}

}  // namespace mconv::delegates::test
