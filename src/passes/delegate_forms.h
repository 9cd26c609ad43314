// Rewrites into the forms a target's delegate / execution provider takes (`mconv convert
// --target`), decided from the delegate rules in src/delegates/:
//   ORT CoreML EP and NNAPI EP have no HardSwish and (NeuralNetwork, NNAPI) no HardSigmoid:
//     HardSwish(x)   -> x * Clip(x + 3, 0, 6) / 6
//     HardSigmoid(x) -> Clip(6a*x + 6b, 0, 6) / 6   (Clip(x + 3, 0, 6) / 6 for a = 1/6, b = 1/2;
//                       [0, 6] is the Clip NNAPI can express, as RELU6)
//   CoreML EP (MLProgram) has no Flatten: Flatten -> Reshape with a constant shape.
//   TFLite Core ML delegate: MEAN only with keep_dims: ReduceMean(keepdims=0) -> keepdims=1 +
//     Reshape.
//   NNAPI needs static shapes: an unknown batch dim of the inputs is fixed to 1.
// Every rewrite is exact in real arithmetic; in float32 the results differ by rounding only.
#pragma once

#include <string_view>
#include <vector>

#include "core/status.h"
#include "ir/graph.h"
#include "passes/pass.h"

namespace mconv::passes {

Expected<PassResult> decompose_hard_swish(ir::Graph& graph);
Expected<PassResult> decompose_hard_sigmoid(ir::Graph& graph);
Expected<PassResult> flatten_to_reshape(ir::Graph& graph);
Expected<PassResult> reduce_mean_keep_dims(ir::Graph& graph);
Expected<PassResult> fix_batch_to_one(ir::Graph& graph);

enum class DelegateTarget : uint8_t { kDefault, kCpu, kGpu, kCoreml, kNnapi };
std::string_view delegate_target_name(DelegateTarget target);  // "cpu", "gpu", ...
Expected<DelegateTarget> delegate_target_from_name(std::string_view name);

// The passes for `target` when writing TFLite (`tflite_output`) or ONNX; empty for the default
// forms (cpu: XNNPACK and ORT's CPU kernels take them; gpu: the TFLite GPU delegate does).
std::vector<PassEntry> delegate_form_passes(DelegateTarget target, bool tflite_output);

}  // namespace mconv::passes
