// Mapping between ONNX's TensorProto.DataType codes and mconv::DType, shared by the importer and
// the exporter. Kept free of protobuf headers so that callers only pay for what they use.
#pragma once

#include <cstdint>
#include <string>

#include "core/dtype.h"

namespace mconv::onnx {

// kUndefined when the ONNX type has no mconv equivalent (double, string, complex, uint32, ...).
DType dtype_from_onnx(int32_t onnx_type);
// 0 (ONNX UNDEFINED) for kUndefined.
int32_t dtype_to_onnx(DType dtype);
// "FLOAT", "DOUBLE", ... for error messages; "type 42" for codes ONNX does not define.
std::string onnx_type_name(int32_t onnx_type);

// Makes a string from a file safe for a one-line message: control characters become '?', and
// very long strings are cut (file contents are untrusted).
std::string printable(const std::string& text);

// The IR name for a name from the file: control characters become '_' so that names stay
// printable on one line in every later message; ordinary names are unchanged.
std::string ir_name(const std::string& name);

}  // namespace mconv::onnx
