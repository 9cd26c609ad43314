// Tensor-level helpers of the TFLite importer: element types, quantization parameters,
// dequantization and SAME/VALID padding arithmetic.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

#include "ir/window_geometry.h"
#include "tflite/import_context.h"

namespace mconv::tflite {

bool dtype_from_tflite(fb::TensorType type, DType* out) {
  switch (type) {
    case fb::TensorType_FLOAT32:
      *out = DType::kF32;
      return true;
    case fb::TensorType_FLOAT16:
      *out = DType::kF16;
      return true;
    case fb::TensorType_BFLOAT16:
      *out = DType::kBF16;
      return true;
    case fb::TensorType_INT8:
      *out = DType::kI8;
      return true;
    case fb::TensorType_UINT8:
      *out = DType::kU8;
      return true;
    case fb::TensorType_INT16:
      *out = DType::kI16;
      return true;
    case fb::TensorType_INT32:
      *out = DType::kI32;
      return true;
    case fb::TensorType_INT64:
      *out = DType::kI64;
      return true;
    case fb::TensorType_BOOL:
      *out = DType::kBool;
      return true;
    default:
      return false;  // strings, complex, int4 (packed), unsigned 16/32/64, resources
  }
}

std::string quant_count_mismatch(const fb::Tensor& tensor) {
  const fb::QuantizationParameters* q = tensor.quantization();
  if (!q || !q->scale() || !q->zero_point() || q->zero_point()->size() == 0) return "";
  if (q->zero_point()->size() == q->scale()->size()) return "";
  return std::to_string(q->scale()->size()) + " quantization scales but " +
         std::to_string(q->zero_point()->size()) + " zero points (TFLite requires the same number)";
}

std::optional<ir::QuantParams> quant_from_tflite(const fb::Tensor& tensor) {
  const fb::QuantizationParameters* q = tensor.quantization();
  if (!q || !q->scale() || q->scale()->size() == 0) return std::nullopt;
  ir::QuantParams params;
  params.scale.assign(q->scale()->begin(), q->scale()->end());
  if (q->zero_point() && q->zero_point()->size() == q->scale()->size()) {
    // Copied bytewise: a hostile file may place the int64 vector off its 8-byte alignment
    // (fuzzer finding: a misaligned load under UBSan).
    params.zero_point.resize(q->zero_point()->size());
    std::memcpy(params.zero_point.data(), q->zero_point()->Data(),
                params.zero_point.size() * sizeof(int64_t));
  } else {
    // Files written without zero points (symmetric weights) mean zero.
    params.zero_point.assign(params.scale.size(), 0);
  }
  // TFLite stores quantized_dimension even for per-tensor parameters (usually 0): only more than
  // one scale makes the parameters per-axis.
  params.axis = params.scale.size() > 1 ? q->quantized_dimension() : -1;
  return params;
}

Expected<Tensor> dequantize_tensor(const Tensor& data, const ir::QuantParams& quant) {
  if (quant.scale.empty() || quant.scale.size() != quant.zero_point.size())
    return Status::Error("quantization has " + std::to_string(quant.scale.size()) + " scales and " +
                         std::to_string(quant.zero_point.size()) + " zero points");
  const std::vector<float> q = data.to_f32();
  Tensor out(DType::kF32, data.shape());
  float* dst = out.data<float>();
  if (!quant.per_axis()) {
    const float scale = quant.scale[0];
    const float zero = static_cast<float>(quant.zero_point[0]);
    for (size_t i = 0; i < q.size(); ++i) dst[i] = scale * (q[i] - zero);
    return out;
  }
  if (quant.axis >= data.rank() || data.dim(quant.axis) != static_cast<int64_t>(quant.scale.size()))
    return Status::Error("per-axis quantization along axis " + std::to_string(quant.axis) +
                         " has " + std::to_string(quant.scale.size()) + " scales for shape " +
                         shape_to_string(data.shape()));
  // Elements are laid out as [outer, channels, inner] around the quantized axis.
  int64_t inner = 1;
  for (int d = quant.axis + 1; d < data.rank(); ++d) inner *= data.dim(d);
  const int64_t channels = data.dim(quant.axis);
  for (size_t i = 0; i < q.size(); ++i) {
    const int64_t c = (static_cast<int64_t>(i) / inner) % channels;
    dst[i] = quant.scale[c] * (q[i] - static_cast<float>(quant.zero_point[c]));
  }
  return out;
}

std::vector<int64_t> constant_ints(const Tensor& data) {
  return data.to_i64();
}

Status resolve_padding(fb::Padding padding, int64_t in, int64_t kernel, int64_t stride,
                       int64_t dilation, int64_t* begin, int64_t* end) {
  *begin = *end = 0;
  if (kernel <= 0 || stride <= 0 || dilation <= 0)
    return Status::Error("kernel " + std::to_string(kernel) + ", stride " + std::to_string(stride) +
                         " and dilation " + std::to_string(dilation) + " must be positive");
  if (padding == fb::Padding_VALID) return Status::Ok();
  if (padding != fb::Padding_SAME)
    return Status::Error("unknown padding " + std::to_string(static_cast<int>(padding)));
  if (in < 0) return Status::Error("SAME padding needs static spatial input dims");
  // TFLite SAME: output = ceil(in / stride); the total padding is split with the extra element at
  // the end (bottom/right), like TensorFlow.
  const ir::SamePadding same = ir::same_padding(in, kernel, stride, dilation);
  *begin = same.begin;
  *end = same.end;
  return Status::Ok();
}

}  // namespace mconv::tflite
