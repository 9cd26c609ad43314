#include "ort/ort_types.h"

namespace mconv::ort {

namespace {
struct TypePair {
  DType dtype;                    // mconv element type
  ONNXTensorElementDataType ort;  // the matching ONNX element type
};
// One row per mconv DType except kUndefined.
constexpr TypePair kTypePairs[] = {
    {DType::kF32, ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT},
    {DType::kF16, ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT16},
    {DType::kBF16, ONNX_TENSOR_ELEMENT_DATA_TYPE_BFLOAT16},
    {DType::kI8, ONNX_TENSOR_ELEMENT_DATA_TYPE_INT8},
    {DType::kU8, ONNX_TENSOR_ELEMENT_DATA_TYPE_UINT8},
    {DType::kI16, ONNX_TENSOR_ELEMENT_DATA_TYPE_INT16},
    {DType::kI32, ONNX_TENSOR_ELEMENT_DATA_TYPE_INT32},
    {DType::kI64, ONNX_TENSOR_ELEMENT_DATA_TYPE_INT64},
    {DType::kBool, ONNX_TENSOR_ELEMENT_DATA_TYPE_BOOL},
};
static_assert(std::size(kTypePairs) == kDTypeCount - 1, "every mconv DType needs an ORT type");
}  // namespace

DType dtype_from_ort(ONNXTensorElementDataType type) {
  for (const TypePair& p : kTypePairs)
    if (p.ort == type) return p.dtype;
  return DType::kUndefined;
}

ONNXTensorElementDataType dtype_to_ort(DType type) {
  for (const TypePair& p : kTypePairs)
    if (p.dtype == type) return p.ort;
  return ONNX_TENSOR_ELEMENT_DATA_TYPE_UNDEFINED;
}

const char* ort_type_name(ONNXTensorElementDataType type) {
  switch (type) {
    case ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT:
      return "float";
    case ONNX_TENSOR_ELEMENT_DATA_TYPE_UINT8:
      return "uint8";
    case ONNX_TENSOR_ELEMENT_DATA_TYPE_INT8:
      return "int8";
    case ONNX_TENSOR_ELEMENT_DATA_TYPE_UINT16:
      return "uint16";
    case ONNX_TENSOR_ELEMENT_DATA_TYPE_INT16:
      return "int16";
    case ONNX_TENSOR_ELEMENT_DATA_TYPE_INT32:
      return "int32";
    case ONNX_TENSOR_ELEMENT_DATA_TYPE_INT64:
      return "int64";
    case ONNX_TENSOR_ELEMENT_DATA_TYPE_STRING:
      return "string";
    case ONNX_TENSOR_ELEMENT_DATA_TYPE_BOOL:
      return "bool";
    case ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT16:
      return "float16";
    case ONNX_TENSOR_ELEMENT_DATA_TYPE_DOUBLE:
      return "double";
    case ONNX_TENSOR_ELEMENT_DATA_TYPE_UINT32:
      return "uint32";
    case ONNX_TENSOR_ELEMENT_DATA_TYPE_UINT64:
      return "uint64";
    case ONNX_TENSOR_ELEMENT_DATA_TYPE_COMPLEX64:
      return "complex64";
    case ONNX_TENSOR_ELEMENT_DATA_TYPE_COMPLEX128:
      return "complex128";
    case ONNX_TENSOR_ELEMENT_DATA_TYPE_BFLOAT16:
      return "bfloat16";
    default:
      return "an unsupported element type";
  }
}

}  // namespace mconv::ort
