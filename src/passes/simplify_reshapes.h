// Reshape cleanup once shapes are inferred:
//  - a chain of Reshape/Flatten/Squeeze/Unsqueeze collapses into one Reshape of the chain's start;
//  - a Reshape whose target is computed at run time (the Shape -> Gather -> Concat arithmetic of a
//    dynamic-batch torch export) gets a constant target when at most one output dim is unknown
//    (that dim becomes -1), leaving the arithmetic dead;
//  - a reshape-like node whose output shape equals its input shape disappears.
// Only rewrites when the inferred output shape says exactly what the node does; values carrying
// quantization parameters are left alone.
#pragma once

#include "core/status.h"
#include "ir/graph.h"
#include "passes/pass.h"

namespace mconv::passes {

Expected<PassResult> simplify_reshapes(ir::Graph& graph);

}  // namespace mconv::passes
