// Node-by-node execution of a graph on host tensors (runtime::evaluate_node), for the passes that
// need to look at what one node computes before the next one runs: sequential bias correction
// (a layer's output is corrected before its readers see it) and the sensitivity measurements of
// mixed precision (a run that changes one Q/DQ pair re-evaluates only the nodes downstream of it,
// reading everything else from a stored run).
//
// Values live in a ValueStore; a store can sit on a read-only base store (a captured run), so
// concurrent partial runs share one capture. Constants are read from the graph.
#pragma once

#include <functional>
#include <optional>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "core/status.h"
#include "core/tensor.h"
#include "ir/graph.h"

namespace mconv::quant {

class ValueStore {
 public:
  explicit ValueStore(const ValueStore* base = nullptr) : base_(base) {}
  // The tensor of `v`: a constant, this store's own, or the base store's; null if none.
  const Tensor* find(const ir::Value* v) const;
  void set(const ir::Value* v, Tensor t) { own_[v] = std::move(t); }
  void erase(const ir::Value* v) { own_.erase(v); }

 private:
  const ValueStore* base_;
  std::unordered_map<const ir::Value*, Tensor> own_;
};

struct StepwiseHooks {
  // Before a node runs: return tensors to use as its outputs instead of evaluating it.
  std::function<std::optional<std::vector<Tensor>>(const ir::Node&, const ValueStore&)> replace;
  // After a node ran (or was replaced): may change its outputs in place (e.g. re-evaluate it
  // with a corrected constant).
  std::function<Status(const ir::Node&, const ValueStore&, std::vector<Tensor>&)> after;
};

struct StepwiseOptions {
  // Run only these nodes (in graph order); null = every node.
  const std::unordered_set<const ir::Node*>* only = nullptr;
  // Drop a value once its last reader among the nodes run has run (graph outputs are kept).
  bool free_dead_values = false;
  // Values never dropped (e.g. the one a caller reads afterwards).
  const std::unordered_set<const ir::Value*>* keep = nullptr;
};

// Runs the nodes of `graph` (which must be in topological order) in order. Graph inputs must be
// in `store` (or its base) already; every output computed is stored in `store`.
Status run_stepwise(const ir::Graph& graph, ValueStore& store, const StepwiseHooks& hooks = {},
                    const StepwiseOptions& options = {});

// Nodes reading, directly or transitively, any output of `from` (plus `from` itself).
std::unordered_set<const ir::Node*> downstream_nodes(const ir::Node& from);

// Per-channel mean of `t` along `axis` (every other axis averaged).
std::vector<double> channel_means(const Tensor& t, int axis);

}  // namespace mconv::quant
