// Telling an ONNX file from other bytes without parsing it: a walk over the top-level ModelProto
// fields on the protobuf wire, used to recognise a model file by its content.
#pragma once

#include <cstdint>
#include <vector>

#include "core/status.h"

namespace mconv::onnx {

// Checks that `bytes` parse as a top-level ModelProto with a graph: every field well-formed and
// inside the buffer. The error says why not ("graph field needs 10,176,000 bytes, 980 remain").
Status check_model_structure(const std::vector<uint8_t>& bytes);

}  // namespace mconv::onnx
