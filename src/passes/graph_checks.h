// Structural steps expressed as passes so pipelines can schedule them: topological sorting and
// the IR verifier.
#pragma once

#include "core/status.h"
#include "ir/graph.h"
#include "passes/pass.h"

namespace mconv::passes {

// Orders nodes producers-first (error on a cycle); reports 0 changes.
Expected<PassResult> sort_topologically(ir::Graph& graph);
// ir::verify as a pass; reports 0 changes.
Expected<PassResult> verify_graph(ir::Graph& graph);

}  // namespace mconv::passes
