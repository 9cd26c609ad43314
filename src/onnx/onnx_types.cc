#include "onnx/onnx_types.h"

#include "onnx/onnx_pb.h"

namespace mconv::onnx {

using ::onnx::TensorProto_DataType;

DType dtype_from_onnx(int32_t onnx_type) {
  switch (onnx_type) {
    case ::onnx::TensorProto_DataType_FLOAT:
      return DType::kF32;
    case ::onnx::TensorProto_DataType_FLOAT16:
      return DType::kF16;
    case ::onnx::TensorProto_DataType_BFLOAT16:
      return DType::kBF16;
    case ::onnx::TensorProto_DataType_INT8:
      return DType::kI8;
    case ::onnx::TensorProto_DataType_UINT8:
      return DType::kU8;
    case ::onnx::TensorProto_DataType_INT16:
      return DType::kI16;
    case ::onnx::TensorProto_DataType_INT32:
      return DType::kI32;
    case ::onnx::TensorProto_DataType_INT64:
      return DType::kI64;
    case ::onnx::TensorProto_DataType_BOOL:
      return DType::kBool;
    default:
      return DType::kUndefined;
  }
}

int32_t dtype_to_onnx(DType dtype) {
  switch (dtype) {
    case DType::kF32:
      return ::onnx::TensorProto_DataType_FLOAT;
    case DType::kF16:
      return ::onnx::TensorProto_DataType_FLOAT16;
    case DType::kBF16:
      return ::onnx::TensorProto_DataType_BFLOAT16;
    case DType::kI8:
      return ::onnx::TensorProto_DataType_INT8;
    case DType::kU8:
      return ::onnx::TensorProto_DataType_UINT8;
    case DType::kI16:
      return ::onnx::TensorProto_DataType_INT16;
    case DType::kI32:
      return ::onnx::TensorProto_DataType_INT32;
    case DType::kI64:
      return ::onnx::TensorProto_DataType_INT64;
    case DType::kBool:
      return ::onnx::TensorProto_DataType_BOOL;
    case DType::kUndefined:
      break;
  }
  return ::onnx::TensorProto_DataType_UNDEFINED;
}

std::string onnx_type_name(int32_t onnx_type) {
  if (::onnx::TensorProto_DataType_IsValid(onnx_type))
    return ::onnx::TensorProto_DataType_Name(static_cast<TensorProto_DataType>(onnx_type));
  return "type " + std::to_string(onnx_type);
}

std::string printable(const std::string& text) {
  constexpr size_t kMaxChars = 120;  // enough for any sane tensor/node name
  std::string out;
  out.reserve(std::min(text.size(), kMaxChars + 3));
  for (size_t i = 0; i < text.size() && i < kMaxChars; ++i) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    out += (c < 0x20 || c == 0x7f) ? '?' : static_cast<char>(c);
  }
  if (text.size() > kMaxChars) out += "...";
  return out;
}

std::string ir_name(const std::string& name) {
  std::string out = name;
  for (char& c : out)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = '_';
  return out;
}

}  // namespace mconv::onnx
