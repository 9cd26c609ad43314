// One layout rewrite for both directions: a graph whose layout-sensitive nodes (Conv, pools,
// BatchNormalization, GlobalAveragePool) are in the "source" layout is rewritten so that they run
// in `target` (NHWC for TFLite, NCHW for ONNX) without Transpose nodes inside the body.
//
// Every shaped value keeps its source ("logical") shape and gets a storage order: a permutation
// saying which logical axis each stored axis holds. Layout-sensitive nodes switch to the target
// layout and read/write target storage; the other ops follow the rule of their row in the op
// table (ir::AxisRule): elementwise ops follow the storage of their inputs; ops with axes
// (Concat, Split, Softmax, Slice, ReduceMean, Pad, Gather, QuantizeLinear/DequantizeLinear) get
// them remapped; broadcast constants are stored permuted (an SE scale [1,C,1,1] becomes
// [1,1,1,C]); Transpose nodes are absorbed into the storage order; Reshape/Flatten/Squeeze/
// Unsqueeze become Reshapes of the stored tensor when the axes they merge or split are stored
// contiguously and in order, and a flatten read only by Gemm/MatMul with constant weights has its
// weight rows reordered instead of moving data. Anywhere else the value is moved: a Reshape when
// only unit axes move, a Transpose when data truly moves (a channel shuffle, a flatten of C with
// H,W > 1 feeding anything but a dense layer).
//
// After the pass every Value::shape is the stored shape. rewrite_for_nhwc and rewrite_for_nchw
// are this pass with their options translated.
#pragma once

#include "core/status.h"
#include "ir/graph.h"
#include "passes/pass.h"

namespace mconv::passes {

struct LayoutOptions {
  ir::Layout target = ir::Layout::kNHWC;  // kNHWC or kNCHW
  // Rank-4 inputs are stored in the target order (the signature changes). Otherwise they keep
  // the source signature and ONE Transpose after each feeds the body. Either way an input the
  // model transposes itself is left to that Transpose, which is absorbed.
  bool inputs_in_target = true;
  // Rank-4 outputs stay in the target order. Otherwise they are moved back to the source order.
  bool outputs_in_target = true;
};

// `changes` counts nodes rewritten, inserted or removed; 0 when no layout-sensitive node is in the
// source layout (kNone counts as NCHW). Needs known shapes on the inputs of layout-sensitive
// nodes (run shape inference first); a rank-4 one without a shape is an error.
Expected<PassResult> rewrite_layout(ir::Graph& graph, const LayoutOptions& options);

}  // namespace mconv::passes
