// Names made by the TFLite converter join the names of every op it fused with ';'
// ("model/re_lu_1/Relu;model/bn_1/batchnorm/add_1;model/conv_1/convolution;"), often several
// hundred characters. Written into every tensor and node of a QDQ ONNX file (a name appears in
// ten places per quantized activation) they cost about a third of an int8 model's size. This pass
// keeps the first segment, which names the op's own output, for every value and node that is not
// a graph input or output (their names are the model's interface and never change).
#pragma once

#include "core/status.h"
#include "ir/graph.h"
#include "passes/pass.h"

namespace mconv::passes {

// Changes = names shortened.
Expected<PassResult> shorten_fused_names(ir::Graph& graph);

}  // namespace mconv::passes
