// Readable text form of a Graph, one line per input, constant, node and output:
//   input  x: f32[1,3,224,224]
//   const  w: f32[16,3,3,3]
//   Conv   conv1 (x, w, b) -> (y: f32[1,16,112,112]) layout=NCHW pads=[1,1,1,1] strides=[2,2]
#pragma once

#include <string>

#include "ir/graph.h"

namespace mconv::ir {

std::string dump(const Graph& graph);
std::string value_signature(const Value& value);  // "x: f32[1,3,224,224]"

}  // namespace mconv::ir
