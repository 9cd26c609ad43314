// Removes pass-through nodes: Identity, and Dropout at inference (its mask output unused).
// Readers of the output read the input instead. When the output is a graph output, the producer
// of the input is made to write the graph output directly (keeping the graph output's name);
// when that is impossible (the input is a graph input, a constant, or read elsewhere) the node
// stays.
#pragma once

#include "core/status.h"
#include "ir/graph.h"
#include "passes/pass.h"

namespace mconv::passes {

Expected<PassResult> remove_identity(ir::Graph& graph);

}  // namespace mconv::passes
