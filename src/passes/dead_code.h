// Dead code elimination: drops nodes whose outputs reach no graph output, and values nobody uses
// (unused constants included). Sorts the graph first, as Graph::remove_dead walks it backwards.
#pragma once

#include "core/status.h"
#include "ir/graph.h"
#include "passes/pass.h"

namespace mconv::passes {

Expected<PassResult> eliminate_dead_code(ir::Graph& graph);

}  // namespace mconv::passes
