// Scale / zero-point selection following the TFLite int8 quantization specification (also what
// ONNX Runtime's QDQ kernels expect):
//  - activations: int8 asymmetric per tensor, real range widened to include 0 and the zero point
//    rounded ("nudged") so that 0.0 is exactly representable;
//  - weights: int8 symmetric per output channel, values in [-127, 127], zero point 0;
//  - biases: int32, scale = input_scale * weight_scale[c], zero point 0.
// The fixed-point requantization helpers live in fixed_point.h (included here).
#pragma once

#include <cstdint>
#include <vector>

#include "core/status.h"
#include "core/tensor.h"
#include "ir/graph.h"
#include "quant/fixed_point.h"

namespace mconv::quant {

inline constexpr int kInt8Min = -128;       // lowest int8 activation code
inline constexpr int kInt8Max = 127;        // highest int8 code
inline constexpr int kInt8WeightMax = 127;  // weights use the symmetric [-127, 127]

// Asymmetric per-tensor params for the real range [min, max] over codes [qmin, qmax]: the range is
// widened to include 0, scale = (max - min) / (qmax - qmin), zero_point = round(qmin - min/scale)
// clamped to [qmin, qmax]. A degenerate range (max == min == 0) gets scale 1 (every value is 0).
ir::QuantParams choose_asymmetric_params(float min, float max, int qmin = kInt8Min,
                                         int qmax = kInt8Max);

// Symmetric per-tensor params (zero point 0) with scale = max|x| / qmax (1 when max|x| == 0).
ir::QuantParams choose_symmetric_params(float max_abs, int qmax = kInt8WeightMax);

// Per-tensor params with a given scale and zero point (fixed-range outputs like Softmax).
ir::QuantParams fixed_params(float scale, int64_t zero_point);

// The real range a per-tensor param set represents over [qmin, qmax].
float dequantized_min(const ir::QuantParams& params, int qmin = kInt8Min);
float dequantized_max(const ir::QuantParams& params, int qmax = kInt8Max);

// A tensor of integer codes and the params that map them back to reals.
struct QuantizedTensor {
  Tensor data;             // integer codes (i8 for weights, i32 for biases)
  ir::QuantParams params;  // scale / zero point, per tensor or per `params.axis`
};

// Symmetric int8 weights with one scale per slice along `axis` (scale = max|w| / 127 of the slice;
// an all-zero slice takes the median scale of the others, 1 when all are zero), codes round(w /
// scale) (ties away from zero, as TFLite) in
// [-127, 127]. `min_scales`, when not empty (one entry per slice), raises a slice's scale to at
// least that value (used so the int32 bias of that channel cannot overflow). axis < 0: one scale
// for the whole tensor. `weights` must be f32.
Expected<QuantizedTensor> quantize_weights_symmetric(const Tensor& weights, int axis,
                                                     const std::vector<float>& min_scales = {});

// Int32 bias codes round(b / (input_scale * weight_scale[c])) with per-channel params along axis 0
// (a single weight scale gives per-tensor params). Codes saturate to the int32 range; the caller
// keeps weight scales large enough to avoid that (see min_bias_weight_scales).
Expected<QuantizedTensor> quantize_bias(const Tensor& bias, float input_scale,
                                        const std::vector<float>& weight_scales);

// Per-channel lower bounds for weight scales such that |bias[c]| / (input_scale * scale) stays
// below 2^30 (half the int32 range, margin for the accumulation). `bias` must be f32.
std::vector<float> min_bias_weight_scales(const Tensor& bias, float input_scale);

// Affine quantization of an f32 tensor with `params` (per tensor or per axis) into `dtype` (i8,
// u8, i16 or i32): saturate(round_half_to_even(x / scale) + zero_point), like ONNX QuantizeLinear.
Expected<Tensor> quantize_tensor(const Tensor& x, const ir::QuantParams& params, DType dtype);
// The inverse: scale * (q - zero_point) as f32.
Expected<Tensor> dequantize_tensor(const Tensor& q, const ir::QuantParams& params);

}  // namespace mconv::quant
