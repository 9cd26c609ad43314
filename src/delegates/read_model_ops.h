// Readers of a model file into the delegate view (op_graph.h). They read only what the file
// says; nothing is executed. Errors are one line naming the source.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/status.h"
#include "delegates/op_graph.h"

namespace mconv::delegates {

// Subgraph 0 of a .tflite flatbuffer (verified first).
Expected<OpGraph> read_tflite_ops(const std::vector<uint8_t>& bytes, const std::string& source);
// The main graph of an ONNX ModelProto.
Expected<OpGraph> read_onnx_ops(const std::vector<uint8_t>& bytes, const std::string& source);

}  // namespace mconv::delegates
