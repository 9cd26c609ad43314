#include "quant/quant_params.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace mconv::quant {
namespace {

// The tensor viewed as [outer, channels, inner] around `axis` (axis < 0: one channel).
struct AxisView {
  int64_t outer = 1, channels = 1, inner = 1;
};

Expected<AxisView> axis_view(const Tensor& t, int axis) {
  AxisView v;
  if (axis < 0) {
    v.inner = t.element_count();
    return v;
  }
  if (axis >= t.rank())
    return Status::Error("quantization axis " + std::to_string(axis) + " out of range for " +
                         t.describe());
  for (int d = 0; d < axis; ++d) v.outer *= t.dim(d);
  v.channels = t.dim(axis);
  for (int d = axis + 1; d < t.rank(); ++d) v.inner *= t.dim(d);
  return v;
}

Status require_f32(const Tensor& t, const char* what) {
  if (t.dtype() != DType::kF32)
    return Status::Error(std::string(what) + " must be f32, got " + t.describe());
  return Status::Ok();
}

template <typename Q>
void quantize_into(const AxisView& v, const ir::QuantParams& p, const float* x, Q* q) {
  const double lo = static_cast<double>(std::numeric_limits<Q>::lowest());
  const double hi = static_cast<double>(std::numeric_limits<Q>::max());
  for (int64_t o = 0; o < v.outer; ++o)
    for (int64_t c = 0; c < v.channels; ++c) {
      const size_t k = p.scale.size() == 1 ? 0 : static_cast<size_t>(c);
      const float s = p.scale[k];
      const double zp = static_cast<double>(p.zero_point[k]);
      for (int64_t i = 0; i < v.inner; ++i, ++x, ++q) {
        const double r = std::nearbyint(static_cast<double>(*x / s));
        *q = static_cast<Q>(std::isnan(r) ? zp : std::clamp(r + zp, lo, hi));
      }
    }
}

template <typename Q>
void dequantize_into(const AxisView& v, const ir::QuantParams& p, const Q* q, float* x) {
  for (int64_t o = 0; o < v.outer; ++o)
    for (int64_t c = 0; c < v.channels; ++c) {
      const size_t k = p.scale.size() == 1 ? 0 : static_cast<size_t>(c);
      const float s = p.scale[k];
      const int64_t zp = p.zero_point[k];
      for (int64_t i = 0; i < v.inner; ++i, ++x, ++q)
        *x = static_cast<float>(static_cast<int64_t>(*q) - zp) * s;
    }
}

Status check_params(const ir::QuantParams& p, const AxisView& v) {
  if (p.scale.empty() || p.scale.size() != p.zero_point.size())
    return Status::Error("quantization params need as many zero points as scales (got " +
                         std::to_string(p.scale.size()) + " and " +
                         std::to_string(p.zero_point.size()) + ")");
  if (p.scale.size() != 1 && static_cast<int64_t>(p.scale.size()) != v.channels)
    return Status::Error("quantization params have " + std::to_string(p.scale.size()) +
                         " scales for " + std::to_string(v.channels) + " channels");
  return Status::Ok();
}

}  // namespace

ir::QuantParams choose_asymmetric_params(float min, float max, int qmin, int qmax) {
  const double lo = std::min<double>(min, 0.0), hi = std::max<double>(max, 0.0);
  ir::QuantParams p;
  if (!(hi > lo)) {  // all zero (or NaN): any scale represents it; 1 keeps multipliers sane
    p.scale = {1.0f};
    p.zero_point = {qmin < 0 && qmax > 0 ? 0 : qmin};
    return p;
  }
  const float scale = static_cast<float>((hi - lo) / (qmax - qmin));
  const double zero_point_from_min = qmin - lo / static_cast<double>(scale);
  const int64_t zp = static_cast<int64_t>(std::clamp(
      std::round(zero_point_from_min), static_cast<double>(qmin), static_cast<double>(qmax)));
  p.scale = {scale};
  p.zero_point = {zp};
  return p;
}

ir::QuantParams choose_symmetric_params(float max_abs, int qmax) {
  ir::QuantParams p;
  p.scale = {max_abs > 0.0f ? max_abs / static_cast<float>(qmax) : 1.0f};
  p.zero_point = {0};
  return p;
}

ir::QuantParams fixed_params(float scale, int64_t zero_point) {
  ir::QuantParams p;
  p.scale = {scale};
  p.zero_point = {zero_point};
  return p;
}

float dequantized_min(const ir::QuantParams& params, int qmin) {
  return static_cast<float>(qmin - params.zero_point.at(0)) * params.scale.at(0);
}

float dequantized_max(const ir::QuantParams& params, int qmax) {
  return static_cast<float>(qmax - params.zero_point.at(0)) * params.scale.at(0);
}

Expected<QuantizedTensor> quantize_weights_symmetric(const Tensor& weights, int axis,
                                                     const std::vector<float>& min_scales) {
  MCONV_RETURN_IF_ERROR(require_f32(weights, "weights"));
  MCONV_ASSIGN_OR_RETURN(AxisView v, axis_view(weights, axis));
  if (!min_scales.empty() && static_cast<int64_t>(min_scales.size()) != v.channels)
    return Status::Error("weight scale bounds: " + std::to_string(min_scales.size()) +
                         " values for " + std::to_string(v.channels) + " channels");
  const float* w = weights.data<float>();
  std::vector<float> max_abs(v.channels, 0.0f);
  for (int64_t o = 0; o < v.outer; ++o)
    for (int64_t c = 0; c < v.channels; ++c)
      for (int64_t i = 0; i < v.inner; ++i) {
        const float x = w[(o * v.channels + c) * v.inner + i];
        if (!std::isfinite(x))
          return Status::Error("weights " + weights.describe() + " contain NaN or infinity");
        max_abs[c] = std::max(max_abs[c], std::fabs(x));
      }
  // An all-zero slice can use any scale; a typical one of the tensor (the median of the others)
  // keeps its int32 bias precise and its requantization multiplier ordinary.
  std::vector<float> nonzero;
  for (float m : max_abs)
    if (m > 0.0f) nonzero.push_back(m);
  float zero_slice_max = 0.0f;
  if (!nonzero.empty()) {
    std::nth_element(nonzero.begin(), nonzero.begin() + nonzero.size() / 2, nonzero.end());
    zero_slice_max = nonzero[nonzero.size() / 2];
  }
  QuantizedTensor out;
  out.params.axis = axis;
  for (int64_t c = 0; c < v.channels; ++c) {
    float s = choose_symmetric_params(max_abs[c] > 0.0f ? max_abs[c] : zero_slice_max).scale[0];
    if (!min_scales.empty()) s = std::max(s, min_scales[c]);
    out.params.scale.push_back(s);
    out.params.zero_point.push_back(0);
  }
  out.data = Tensor(DType::kI8, weights.shape());
  int8_t* q = out.data.data<int8_t>();
  for (int64_t o = 0; o < v.outer; ++o)
    for (int64_t c = 0; c < v.channels; ++c) {
      const float s = out.params.scale[c];
      for (int64_t i = 0; i < v.inner; ++i) {
        const int64_t k = (o * v.channels + c) * v.inner + i;
        const float r = std::round(w[k] / s);  // ties away from zero, like TfLiteRound
        q[k] = static_cast<int8_t>(std::clamp(r, float(-kInt8WeightMax), float(kInt8WeightMax)));
      }
    }
  return out;
}

std::vector<float> min_bias_weight_scales(const Tensor& bias, float input_scale) {
  std::vector<float> out;
  if (bias.dtype() != DType::kF32) return out;
  constexpr double kLimit = double(1 << 30);
  for (float b : bias.values<float>())
    out.push_back(static_cast<float>(std::fabs(double(b)) / (double(input_scale) * kLimit)));
  return out;
}

Expected<QuantizedTensor> quantize_bias(const Tensor& bias, float input_scale,
                                        const std::vector<float>& weight_scales) {
  MCONV_RETURN_IF_ERROR(require_f32(bias, "bias"));
  const int64_t n = bias.element_count();
  if (weight_scales.size() != 1 && static_cast<int64_t>(weight_scales.size()) != n)
    return Status::Error("bias " + bias.describe() + " has " + std::to_string(n) +
                         " elements for " + std::to_string(weight_scales.size()) +
                         " weight scales");
  QuantizedTensor out;
  out.data = Tensor(DType::kI32, {n});
  out.params.axis = weight_scales.size() == 1 ? -1 : 0;
  for (float ws : weight_scales) {
    out.params.scale.push_back(input_scale * ws);
    out.params.zero_point.push_back(0);
  }
  const float* b = bias.data<float>();
  int32_t* q = out.data.data<int32_t>();
  constexpr double lo = std::numeric_limits<int32_t>::min(),
                   hi = std::numeric_limits<int32_t>::max();
  for (int64_t i = 0; i < n; ++i) {
    const double s = out.params.scale[weight_scales.size() == 1 ? 0 : i];
    const double r = std::round(double(b[i]) / s);
    q[i] = static_cast<int32_t>(std::isnan(r) ? 0.0 : std::clamp(r, lo, hi));
  }
  return out;
}

Expected<Tensor> quantize_tensor(const Tensor& x, const ir::QuantParams& params, DType dtype) {
  MCONV_RETURN_IF_ERROR(require_f32(x, "tensor to quantize"));
  MCONV_ASSIGN_OR_RETURN(AxisView v, axis_view(x, params.scale.size() == 1 ? -1 : params.axis));
  MCONV_RETURN_IF_ERROR(check_params(params, v));
  Tensor out(dtype, x.shape());
  switch (dtype) {
    case DType::kI8:
      quantize_into(v, params, x.data<float>(), out.data<int8_t>());
      break;
    case DType::kU8:
      quantize_into(v, params, x.data<float>(), out.data<uint8_t>());
      break;
    case DType::kI16:
      quantize_into(v, params, x.data<float>(), out.data<int16_t>());
      break;
    case DType::kI32:
      quantize_into(v, params, x.data<float>(), out.data<int32_t>());
      break;
    default:
      return Status::Error("cannot quantize to " + std::string(dtype_name(dtype)));
  }
  return out;
}

Expected<Tensor> dequantize_tensor(const Tensor& q, const ir::QuantParams& params) {
  MCONV_ASSIGN_OR_RETURN(AxisView v, axis_view(q, params.scale.size() == 1 ? -1 : params.axis));
  MCONV_RETURN_IF_ERROR(check_params(params, v));
  Tensor out(DType::kF32, q.shape());
  float* x = out.data<float>();
  switch (q.dtype()) {
    case DType::kI8:
      dequantize_into(v, params, q.data<int8_t>(), x);
      break;
    case DType::kU8:
      dequantize_into(v, params, q.data<uint8_t>(), x);
      break;
    case DType::kI16:
      dequantize_into(v, params, q.data<int16_t>(), x);
      break;
    case DType::kI32:
      dequantize_into(v, params, q.data<int32_t>(), x);
      break;
    default:
      return Status::Error("cannot dequantize " + q.describe());
  }
  return out;
}

}  // namespace mconv::quant
