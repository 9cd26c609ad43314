#include "passes/dead_code.h"

namespace mconv::passes {

Expected<PassResult> eliminate_dead_code(ir::Graph& graph) {
  MCONV_RETURN_IF_ERROR(graph.topological_sort());
  return PassResult{graph.remove_dead()};
}

}  // namespace mconv::passes
