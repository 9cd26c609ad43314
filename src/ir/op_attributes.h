// Typed accessors for op attributes whose ONNX default depends on the op, so that every reader
// (kernels, shape functions, passes, exporters) applies the same default.
#pragma once

#include <cstdint>

#include "ir/graph.h"

namespace mconv::ir {

// ONNX (opset 13) default of the "axis" attribute: -1 for Softmax, 1 for Flatten and
// QuantizeLinear/DequantizeLinear, 0 for Concat, Split and Gather (and ops without one).
int64_t default_axis(OpType op);

// The node's "axis" attribute, or the op's default when absent (not normalized).
int64_t axis_attribute(const Node& node);

}  // namespace mconv::ir
