// Loads a zoo graph's parameters from an ONNX file of the same architecture (e.g. torchvision's
// export, where torch folded each BatchNorm into the Conv before it). Layers are matched by the
// order of their Conv/Gemm nodes, which any topological order of these networks preserves.
#pragma once

#include <string>

#include "core/status.h"
#include "ir/graph.h"

namespace mconv::zoo {

// For every Conv/Gemm of `graph` in order, takes the weight (and bias) of the file's Conv/Gemm at
// the same position; a Conv followed by a BatchNormalization gets the file's bias through that
// BatchNormalization set to identity statistics. Every weight shape, stride and group must match;
// the error names the file and the first layer that does not ("w.onnx: layer 7 'Conv_21' (Conv):
// weight f32[72,1,3,3] does not fit 'features.2.block.1.0' f32[72,1,5,5]").
Status load_onnx_weights(ir::Graph& graph, const std::string& onnx_path);

}  // namespace mconv::zoo
