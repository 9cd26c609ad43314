#include "passes/graph_checks.h"

#include "ir/verifier.h"

namespace mconv::passes {

Expected<PassResult> sort_topologically(ir::Graph& graph) {
  MCONV_RETURN_IF_ERROR(graph.topological_sort());
  return PassResult{};
}

Expected<PassResult> verify_graph(ir::Graph& graph) {
  MCONV_RETURN_IF_ERROR(ir::verify(graph));
  return PassResult{};
}

}  // namespace mconv::passes
