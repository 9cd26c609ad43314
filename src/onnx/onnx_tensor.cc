#include "onnx/onnx_tensor.h"

#include <bit>
#include <cstring>

#include "onnx/onnx_external_data.h"
#include "onnx/onnx_pb.h"
#include "onnx/onnx_types.h"

namespace mconv::onnx {
namespace {

static_assert(std::endian::native == std::endian::little,
              "ONNX raw_data is little-endian; mconv assumes a little-endian host");

// Copies a repeated typed field into tensor bytes, narrowing each element to `Stored`.
template <typename Stored, typename Field>
Expected<Tensor> from_field(DType dtype, std::vector<int64_t> shape, int64_t count,
                            const Field& field, const char* field_name) {
  if (static_cast<int64_t>(field.size()) != count)
    return Status::Error(std::string(field_name) + " has " + std::to_string(field.size()) +
                         " values, shape " + shape_to_string(shape) + " needs " +
                         std::to_string(count));
  Tensor t(dtype, std::move(shape));
  Stored* out = t.data<Stored>();
  for (int64_t i = 0; i < count; ++i) out[i] = static_cast<Stored>(field.Get(static_cast<int>(i)));
  return t;
}

}  // namespace

Expected<Tensor> decode_tensor(const ::onnx::TensorProto& proto, const std::string& base_dir,
                               const ImportLimits& limits) {
  const DType dtype = dtype_from_onnx(proto.data_type());
  if (dtype == DType::kUndefined)
    return Status::Error("element type " + onnx_type_name(proto.data_type()) + " is not supported");
  if (proto.has_segment()) return Status::Error("segmented tensors are not supported");

  std::vector<int64_t> shape(proto.dims().begin(), proto.dims().end());
  // Rank, negative dims, overflowing and oversized element counts are refused before any
  // arithmetic on them (a count near 2^61 times 8 bytes would wrap around to a small size).
  MCONV_ASSIGN_OR_RETURN(const int64_t count,
                         check_tensor_shape(limits, "tensor", shape.data(), shape.size()));
  const uint64_t elem_size = dtype_size(dtype);
  MCONV_RETURN_IF_ERROR(check_tensor_bytes(limits, "tensor", count, elem_size));
  const uint64_t byte_count = static_cast<uint64_t>(count) * elem_size;

  if (proto.data_location() == ::onnx::TensorProto_DataLocation_EXTERNAL) {
    if (proto.has_raw_data()) return Status::Error("tensor has both external data and raw_data");
    MCONV_ASSIGN_OR_RETURN(std::vector<uint8_t> bytes,
                           read_external_data(proto, base_dir, byte_count));
    return Tensor::FromBytes(dtype, std::move(shape), std::move(bytes));
  }
  if (proto.has_raw_data()) {
    const std::string& raw = proto.raw_data();
    if (raw.size() != byte_count)
      return Status::Error("raw_data has " + std::to_string(raw.size()) + " bytes, shape " +
                           shape_to_string(shape) + " of " + std::string(dtype_name(dtype)) +
                           " needs " + std::to_string(byte_count));
    return Tensor::FromBytes(dtype, std::move(shape), std::vector<uint8_t>(raw.begin(), raw.end()));
  }
  switch (dtype) {
    case DType::kF32:
      return from_field<float>(dtype, shape, count, proto.float_data(), "float_data");
    case DType::kI64:
      return from_field<int64_t>(dtype, shape, count, proto.int64_data(), "int64_data");
    case DType::kI32:
      return from_field<int32_t>(dtype, shape, count, proto.int32_data(), "int32_data");
    case DType::kI16:
      return from_field<int16_t>(dtype, shape, count, proto.int32_data(), "int32_data");
    case DType::kI8:
      return from_field<int8_t>(dtype, shape, count, proto.int32_data(), "int32_data");
    case DType::kU8:
      return from_field<uint8_t>(dtype, shape, count, proto.int32_data(), "int32_data");
    case DType::kBool: {
      // Any non-zero value is true; stored as 0/1 bytes like raw_data.
      MCONV_ASSIGN_OR_RETURN(
          Tensor t, from_field<uint8_t>(dtype, shape, count, proto.int32_data(), "int32_data"));
      for (int64_t i = 0; i < count; ++i) t.raw()[i] = proto.int32_data(static_cast<int>(i)) != 0;
      return t;
    }
    // ONNX keeps the 16-bit patterns of fp16/bf16 values in int32_data.
    case DType::kF16:
    case DType::kBF16:
      return from_field<uint16_t>(dtype, shape, count, proto.int32_data(), "int32_data");
    case DType::kUndefined:
      break;
  }
  return Status::Error("element type " + onnx_type_name(proto.data_type()) + " is not supported");
}

Status encode_tensor(const Tensor& tensor, ::onnx::TensorProto* proto) {
  const int32_t type = dtype_to_onnx(tensor.dtype());
  if (type == ::onnx::TensorProto_DataType_UNDEFINED)
    return Status::Error("tensor has no ONNX element type (" +
                         std::string(dtype_name(tensor.dtype())) + ")");
  proto->set_data_type(type);
  proto->clear_dims();
  for (int64_t d : tensor.shape()) proto->add_dims(d);
  proto->set_raw_data(tensor.raw(), tensor.byte_size());
  return Status::Ok();
}

}  // namespace mconv::onnx
