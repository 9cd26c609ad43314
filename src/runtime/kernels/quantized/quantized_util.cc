#include "runtime/kernels/quantized/quantized_util.h"

#include <algorithm>
#include <cmath>

namespace mconv::runtime::quantized {

Expected<QuantInfo> quant_info(const ir::Value* v, const char* what) {
  if (!v) return Status::Error(std::string(what) + " is missing");
  if (!v->quant)
    return Status::Error(std::string(what) + " '" + v->name + "' (" +
                         std::string(dtype_name(v->dtype)) + ") has no quantization parameters");
  const ir::QuantParams& q = *v->quant;
  if (q.scale.empty() || q.scale.size() != q.zero_point.size())
    return Status::Error(std::string(what) + " '" + v->name + "' has " +
                         std::to_string(q.scale.size()) + " scales and " +
                         std::to_string(q.zero_point.size()) + " zero points");
  QuantInfo info;
  info.dtype = v->dtype;
  info.axis = q.axis;
  for (size_t i = 0; i < q.scale.size(); ++i) {
    if (!(q.scale[i] > 0.0f) || !std::isfinite(q.scale[i]))
      return Status::Error(std::string(what) + " '" + v->name + "' has scale " +
                           std::to_string(q.scale[i]) + " (must be positive and finite)");
    info.scale.push_back(static_cast<double>(q.scale[i]));
    info.zero_point.push_back(static_cast<int32_t>(q.zero_point[i]));
  }
  return info;
}

Expected<QuantInfo> activation_quant(const ir::Value* v, const char* what) {
  MCONV_ASSIGN_OR_RETURN(QuantInfo info, quant_info(v, what));
  if (!is_quantized_dtype(info.dtype))
    return Status::Error(std::string(what) + " '" + v->name + "' is " +
                         std::string(dtype_name(info.dtype)) + ", expected i8 or u8");
  if (info.scale.size() != 1)
    return Status::Error(std::string(what) + " '" + v->name + "' has " +
                         std::to_string(info.scale.size()) +
                         " per-axis scales; activations must be quantized per tensor");
  const int32_t zp = info.zero_point[0];
  if (zp < dtype_min(info.dtype) || zp > dtype_max(info.dtype))
    return Status::Error(std::string(what) + " '" + v->name + "' has zero point " +
                         std::to_string(zp) + " outside the " +
                         std::string(dtype_name(info.dtype)) + " range");
  return info;
}

Expected<QuantInfo> input_quant(const ir::Node& node, size_t index, const char* what) {
  if (index >= node.inputs.size() || !node.inputs[index])
    return Status::Error(std::string("missing required input ") + what);
  return activation_quant(node.inputs[index], what);
}

Expected<QuantInfo> output_quant(const ir::Node& node, size_t index, const char* what) {
  if (index >= node.outputs.size() || !node.outputs[index])
    return Status::Error(std::string("missing output ") + what);
  return activation_quant(node.outputs[index], what);
}

ActivationRange full_range(DType t) {
  return {dtype_min(t), dtype_max(t)};
}

ActivationRange activation_range(const QuantInfo& out, float real_min, float real_max) {
  ActivationRange r = full_range(out.dtype);
  const float scale = static_cast<float>(out.scale[0]);
  const int32_t zp = out.zero_point[0];
  // TFLite quantizes the bounds in float with TfLiteRound (half away from zero).
  auto quantize = [&](float x) -> int64_t {
    const float q = std::round(x / scale);
    if (!(std::fabs(q) < 1e9f)) return q > 0 ? int64_t{1} << 40 : -(int64_t{1} << 40);
    return zp + static_cast<int64_t>(q);
  };
  if (std::isfinite(real_min))
    r.min = static_cast<int32_t>(
        std::max<int64_t>(r.min, std::min<int64_t>(quantize(real_min), r.max)));
  if (std::isfinite(real_max))
    r.max = static_cast<int32_t>(
        std::min<int64_t>(r.max, std::max<int64_t>(quantize(real_max), r.min)));
  return r;
}

Status require_tensor_dtype(const Tensor& t, DType dtype, const char* what) {
  if (t.dtype() != dtype)
    return Status::Error(std::string(what) + " is " + t.describe() + ", expected " +
                         std::string(dtype_name(dtype)) + " as its value declares");
  return Status::Ok();
}

std::vector<uint8_t> build_lookup_table(const QuantInfo& in, const QuantInfo& out,
                                        float (*f)(float)) {
  std::vector<uint8_t> table(256);
  const float in_scale = static_cast<float>(in.scale[0]);
  const float inv_out_scale = 1.0f / static_cast<float>(out.scale[0]);
  const int32_t lo = dtype_min(in.dtype), hi = dtype_max(in.dtype);
  const int32_t out_lo = dtype_min(out.dtype), out_hi = dtype_max(out.dtype);
  for (int32_t code = lo; code <= hi; ++code) {
    const float real = in_scale * static_cast<float>(code - in.zero_point[0]);
    const float q = std::round(f(real) * inv_out_scale);
    const int32_t v = std::clamp(static_cast<int32_t>(q) + out.zero_point[0], out_lo, out_hi);
    table[static_cast<uint8_t>(code)] = static_cast<uint8_t>(v);
  }
  return table;
}

}  // namespace mconv::runtime::quantized
