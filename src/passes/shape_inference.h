// Shape inference: fills dtype/shape/has_shape of every computed value, following ONNX semantics.
// Symbolic dims (size -1 with a symbol such as "batch") flow through ops that pass them on; small
// integer tensors computed from Shape (Shape -> Gather -> Concat -> Reshape) are tracked element by
// element so that Reshape targets resolve even before constant folding. Contradictions (Conv
// channel mismatch, shapes that do not broadcast, Reshape element count mismatch, ...) are errors
// naming the node and op. Hostile shapes (negative dims, overflowing products, absurd ranks) give
// errors, never crashes.
#pragma once

#include "core/status.h"
#include "ir/graph.h"
#include "passes/pass.h"
#include "passes/shapes/shape_context.h"

namespace mconv::passes {

// Sorts the graph topologically, then infers every node's outputs in order. Known dims of a value
// that inference cannot determine (e.g. declared in the source file) are kept. `changes` counts
// values whose dtype or shape changed.
Expected<PassResult> infer_shapes(ir::Graph& graph);

// Infers one node's outputs from its inputs' current dtypes/shapes/constants without touching the
// graph (constant folding uses it to size a result before computing it).
Expected<std::vector<shapes::OutputInfo>> infer_node_outputs(const ir::Node& node);

// A file declares every tensor's dtype, and nothing stops it from declaring one its producer
// cannot make (a MUL of two uint8 tensors "returning" float32). Inference would silently replace
// it, leaving consumers that were checked against the declared dtype inconsistent; importers call
// this instead so the file's error is named at its node. Nodes whose shapes do not infer are left
// to infer_shapes, which reports them.
Status check_declared_dtypes(const ir::Graph& graph);

}  // namespace mconv::passes
