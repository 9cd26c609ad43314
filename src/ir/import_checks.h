// Graph-level checks every importer runs on what it built, against ImportLimits
// (core/import_limits.h): operator count, longest operator chain, declared shapes, constant sizes
// and non-finite weights. All loops are iterative: a 100 000-deep chain costs memory, not stack.
#pragma once

#include "core/import_limits.h"
#include "core/status.h"
#include "ir/graph.h"

namespace mconv::ir {

// Needs `graph` topologically sorted (Graph::topological_sort). The error names the value or
// node at fault and the limit (with its environment variable); no file prefix.
Status check_import_limits(const Graph& graph, const ImportLimits& limits);

// Longest chain of operators from any input/constant to any node (1 for a single node, 0 for an
// empty graph). Needs topological order.
int64_t graph_depth(const Graph& graph);

}  // namespace mconv::ir
