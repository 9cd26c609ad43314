// Constant folding: nodes whose inputs are all constants are evaluated with the reference
// interpreter's kernels (runtime::evaluate_node, so op semantics live in one place) and their
// outputs become constants. Shape of a value whose shape is fully static folds too (and so does
// Gather of the static dims of a Shape), so that the Shape -> Gather -> Unsqueeze -> Concat ->
// Reshape arithmetic of torch exports disappears once shapes are inferred.
//
// Never folded:
//  - QuantizeLinear / DequantizeLinear: they express a QDQ model (int8 weights + scales);
//  - Cast from f16/bf16 to a wider float: the pattern that keeps FP16 weights FP16 in storage;
//  - nodes producing a graph output (outputs stay computed by a node, keeping exporters simple);
//  - nodes touching quantized values (Value::quant), except pure data movement (Reshape...),
//    since the plain kernels would ignore the quantization;
//  - outputs larger than FoldingOptions::max_output_bytes, or beyond the memory budget, or
//    large outputs much bigger than their inputs (they would bloat the saved model).
// Nodes the runtime cannot evaluate are left in place (not an error).
#pragma once

#include <cstdint>

#include "core/status.h"
#include "ir/graph.h"
#include "passes/pass.h"

namespace mconv::passes {

struct FoldingOptions {
  int64_t max_output_bytes = int64_t{64} << 20;  // skip nodes whose outputs would exceed this
  int64_t max_total_bytes = int64_t{1} << 30;    // stop folding once this much new data was made
  // Outputs above this size must not exceed twice their inputs' bytes: folding a big fill
  // (ConstantOfShape, Pad of a constant) would bloat the saved model, not speed it up.
  int64_t max_growth_bytes = int64_t{1} << 20;
};

Expected<PassResult> fold_constants(ir::Graph& graph, const FoldingOptions& options);
// With default options (the PassFn form).
Expected<PassResult> fold_constants(ir::Graph& graph);

}  // namespace mconv::passes
