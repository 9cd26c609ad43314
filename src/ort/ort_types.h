// mconv::DType <-> ONNX tensor element types as ORT spells them. Private to src/ort.
#pragma once

#include <onnxruntime_cxx_api.h>

#include "core/dtype.h"

namespace mconv::ort {

// kUndefined for ORT types mconv does not handle (string, double, complex, ...).
DType dtype_from_ort(ONNXTensorElementDataType type);
ONNXTensorElementDataType dtype_to_ort(DType type);
// "double", "string", ... for error messages about unsupported types.
const char* ort_type_name(ONNXTensorElementDataType type);

}  // namespace mconv::ort
