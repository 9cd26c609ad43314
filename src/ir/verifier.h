// Structural checks on a Graph: run after import and after every pass in debug flows.
#pragma once

#include "core/status.h"
#include "ir/graph.h"

namespace mconv::ir {

// Checks: producer/consumer links agree; every node input is a graph input, a constant or the
// output of an earlier node (no dangling values, no cycles); arity matches the op table;
// constants' data matches their declared dtype and shape; elementwise ops have matching dtypes;
// graph outputs are produced. The error names the node and op at fault.
Status verify(const Graph& graph);

// One node against the op table: its input and output counts are in range and its required
// inputs are present (verify checks it for every node; the interpreter before making a kernel).
Status check_arity(const Node& node);

}  // namespace mconv::ir
