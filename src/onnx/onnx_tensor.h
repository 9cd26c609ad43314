// TensorProto <-> mconv::Tensor. Decoding accepts every encoding ONNX allows for the supported
// types (raw_data, the typed repeated fields, fp16/bf16 bits in int32_data, external data) and
// checks that the data present matches the declared shape before allocating anything.
#pragma once

#include <cstring>
#include <string>
#include <vector>

#include "core/import_limits.h"
#include "core/status.h"
#include "core/tensor.h"

namespace onnx {
class TensorProto;
}

namespace mconv::onnx {

// `base_dir` locates external data ("" refuses it). Errors have no context prefix.
Expected<Tensor> decode_tensor(const ::onnx::TensorProto& proto, const std::string& base_dir,
                               const ImportLimits& limits);
inline Expected<Tensor> decode_tensor(const ::onnx::TensorProto& proto,
                                      const std::string& base_dir) {
  return decode_tensor(proto, base_dir, ImportLimits{});
}

// A rank-1 tensor holding `values` (which may be empty) as `dtype` elements of sizeof(T).
template <typename T>
Tensor vector_tensor(DType dtype, const std::vector<T>& values) {
  Tensor t(dtype, {static_cast<int64_t>(values.size())});
  if (!values.empty()) std::memcpy(t.raw(), values.data(), values.size() * sizeof(T));
  return t;
}

// Fills `proto` (name left untouched) with dtype, dims and little-endian raw_data.
Status encode_tensor(const Tensor& tensor, ::onnx::TensorProto* proto);

}  // namespace mconv::onnx
