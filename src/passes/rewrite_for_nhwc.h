// Rewrites a channels-first (NCHW, ONNX/PyTorch) graph into channels-last (NHWC, TFLite) form
// without TRANSPOSE ops inside the body of a CNN.
//
// Every value gets a "storage order": a permutation saying which logical (NCHW) axis each
// physical axis holds. Layout-sensitive nodes (Conv, pools, BN, GlobalAveragePool) switch to
// Node::layout = kNHWC and produce NHWC storage; other ops follow the order of their inputs and
// have their axes remapped (Concat/Split/Slice/Softmax/ReduceMean/Gather/Pad/Squeeze/...),
// broadcast constants are stored permuted (an SE scale [1,C,1,1] becomes [1,1,1,C]), Transpose
// nodes are absorbed into the storage order, and Reshape/Flatten/Squeeze/Unsqueeze are rewritten
// as Reshapes of the stored tensor whenever the merged/split axes stay contiguous. Only where data
// truly has to move (a Flatten mixing C with H,W > 1, a channel shuffle) is a Transpose inserted;
// a change of order that keeps the non-unit axes in sequence becomes a Reshape instead.
//
// After the pass every Value::shape is the stored (physical) shape. Model inputs of rank 4
// become NHWC ([1,224,224,3]) unless keep_nchw_input, in which case one Transpose follows the
// input. Rank-2 outputs are unchanged; rank-4 outputs stay NHWC unless keep_nchw_outputs.
// Graphs without NCHW layout-sensitive nodes are left untouched.
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
