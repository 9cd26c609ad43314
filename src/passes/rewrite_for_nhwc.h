// Rewrites a channels-first (NCHW, ONNX/PyTorch) graph into channels-last (NHWC, TFLite) form
// without TRANSPOSE ops inside the body of a CNN: rewrite_layout (rewrite_layout.h, where the
// method is described) with target NHWC.
//
// Model inputs of rank 4 become NHWC ([1,224,224,3]) unless keep_nchw_input, in which case one
// Transpose follows the input; an input the model transposes itself keeps its signature and its
// Transpose is absorbed. Rank-2 outputs are unchanged; rank-4 outputs stay NHWC unless
// keep_nchw_outputs. Graphs without NCHW layout-sensitive nodes are left untouched.
#pragma once

#include "core/status.h"
#include "ir/graph.h"
#include "passes/pass.h"

namespace mconv::passes {

struct NhwcOptions {
  bool keep_nchw_input = false;    // keep rank-4 inputs NCHW (a Transpose follows each)
  bool keep_nchw_outputs = false;  // give rank-4 outputs back in NCHW order
};

// `changes` counts nodes rewritten, inserted or removed. Needs known shapes (run shape
// inference first); a rank-4 input of a layout-sensitive node without a shape is an error.
Expected<PassResult> rewrite_for_nhwc(ir::Graph& graph, const NhwcOptions& options);
// Default options (the PassFn form).
Expected<PassResult> rewrite_for_nhwc(ir::Graph& graph);

}  // namespace mconv::passes
