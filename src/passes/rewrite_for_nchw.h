// Rewrites a channels-last graph (NHWC, as imported from TFLite) into the channels-first form
// ONNX needs (its Conv and pools are NCHW-only), without TRANSPOSE ops inside the body:
// rewrite_layout (rewrite_layout.h, where the method is described) with target NCHW.
//
// Model inputs: by default a rank-4 input keeps the source's NHWC signature and ONE Transpose
// right after it feeds the channels-first body; with `nchw_input` the input itself becomes NCHW
// (no Transpose at all). An input the model already transposes itself (an NCHW input that a
// TFLite export kept) is not given one: its Transpose is absorbed instead. Rank-4 outputs come back
// in the source's NHWC order unless `nchw_outputs`; outputs of other ranks are unchanged. After the
// pass every Value::shape is the stored shape. Graphs without NHWC layout-sensitive nodes are left
// untouched.
#pragma once

#include "core/status.h"
#include "ir/graph.h"
#include "passes/pass.h"

namespace mconv::passes {

struct NchwOptions {
  bool nchw_input = false;    // make rank-4 inputs NCHW instead of keeping NHWC + one Transpose
  bool nchw_outputs = false;  // give rank-4 outputs in NCHW order (default: the source's NHWC)
};

// `changes` counts nodes rewritten, inserted or removed. Needs known shapes on the inputs of
// layout-sensitive nodes (the TFLite importer provides them; otherwise run shape inference).
Expected<PassResult> rewrite_for_nchw(ir::Graph& graph, const NchwOptions& options);
// Default options (the PassFn form).
Expected<PassResult> rewrite_for_nchw(ir::Graph& graph);

}  // namespace mconv::passes
