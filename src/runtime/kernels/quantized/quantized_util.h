// Shared pieces of the integer kernels: reading a node's quantization parameters from its IR
// values, the int8/uint8 ranges, fused-activation bounds, per-channel requantization of int32
// accumulators, and dtype dispatch. Errors are plain messages; the interpreter adds the node.
#pragma once

#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "core/status.h"
#include "core/tensor.h"
#include "ir/graph.h"
#include "runtime/kernel.h"
#include "runtime/kernels/kernel_util.h"
#include "runtime/kernels/quantized/fixed_point_math.h"

namespace mconv::runtime::quantized {

using KernelPtr = Expected<std::unique_ptr<Kernel>>;

// Quantization of one IR value as the integer kernels read it.
struct QuantInfo {
  DType dtype = DType::kUndefined;  // i8, u8 (activations, weights) or i32 (biases)
  std::vector<double> scale;        // one per tensor, or one per channel along `axis`
  std::vector<int32_t> zero_point;  // same count as scale
  int axis = -1;                    // -1 = per tensor
  bool per_axis() const { return axis >= 0; }
  // Scale / zero point of channel c (the single one when per tensor).
  double scale_of(int64_t c) const { return scale[per_axis() ? c : 0]; }
  int32_t zero_point_of(int64_t c) const { return zero_point[per_axis() ? c : 0]; }
};

// True for the dtypes the integer kernels compute on (i8, u8).
inline bool is_quantized_dtype(DType t) {
  return t == DType::kI8 || t == DType::kU8;
}

// The quantization of `v`; error naming `what` when it has none or it is malformed. Scales are
// kept as the float32 values TFLite stores, widened to double exactly.
Expected<QuantInfo> quant_info(const ir::Value* v, const char* what);
// Same, and requires a per-tensor i8/u8 activation.
Expected<QuantInfo> activation_quant(const ir::Value* v, const char* what);

// The node's input `index` / output `index` Value quantization (activation form).
Expected<QuantInfo> input_quant(const ir::Node& node, size_t index, const char* what);
Expected<QuantInfo> output_quant(const ir::Node& node, size_t index, const char* what);

// Representable range of an integer dtype.
inline int32_t dtype_min(DType t) {
  return t == DType::kI8 ? -128 : t == DType::kU8 ? 0 : std::numeric_limits<int32_t>::min();
}
inline int32_t dtype_max(DType t) {
  return t == DType::kI8 ? 127 : t == DType::kU8 ? 255 : std::numeric_limits<int32_t>::max();
}

// Quantized [min, max] the output is clamped to: the dtype range, narrowed by a fused
// activation's real bounds exactly as TFLite's CalculateActivationRangeQuantized does
// (zero_point + round(bound / scale), rounding half away from zero).
struct ActivationRange {
  int32_t min = 0;  // lowest quantized output
  int32_t max = 0;  // highest quantized output
};
ActivationRange full_range(DType t);
ActivationRange activation_range(const QuantInfo& out, float real_min, float real_max);

// How one requantization rounds (chosen per kernel family from the run's IntegerRounding).
enum class Rounding : uint8_t {
  kSingle,  // exact product, rounded once (ties up)
  kDouble,  // gemmlowp: doubling high multiply, then rounding shift
  kFloat,   // XNNPACK: float(acc) * float scale, rounded half to even
};

// Elementwise kernels (Add, Mul, Mean, ...): single unless the classic double rounding is asked.
inline bool single_rounding(const ExecContext& ctx) {
  return ctx.integer_rounding != IntegerRounding::kDouble;
}
// GEMM-based kernels (im2col/pointwise Conv, fully connected): XNNPACK's float requantization
// under LiteRT, else ruy's single rounding (TFLite runs them through ruy in every build).
inline Rounding gemm_rounding(const ExecContext& ctx) {
  return ctx.integer_rounding == IntegerRounding::kLiteRt ? Rounding::kFloat : Rounding::kSingle;
}
// Depthwise Conv: XNNPACK under LiteRT, else TFLite's own kernel with the build's rounding.
inline Rounding depthwise_rounding(const ExecContext& ctx) {
  switch (ctx.integer_rounding) {
    case IntegerRounding::kLiteRt:
      return Rounding::kFloat;
    case IntegerRounding::kSingle:
      return Rounding::kSingle;
    case IntegerRounding::kDouble:
      return Rounding::kDouble;
  }
  return Rounding::kSingle;
}

// x * m (TFLite MultiplyByQuantizedMultiplier) rounded once or twice.
inline int32_t rescale(int32_t x, QuantizedMultiplier m, bool single) {
  return single ? multiply_by_quantized_multiplier_single_round(x, m.multiplier, m.shift)
                : multiply_by_quantized_multiplier(x, m);
}

// Scales int32 accumulators to the output's quantized grid, one multiplier per output channel
// (one for per-tensor), then adds the output zero point and clamps.
struct Requantizer {
  std::vector<QuantizedMultiplier> multipliers;  // per channel, or a single one
  std::vector<float> float_scales;               // same scales in float (Rounding::kFloat only)
  int32_t output_zero_point = 0;                 // added after scaling
  ActivationRange range;                         // clamp bounds

  // Adds one channel's real multiplier (e.g. s_in * s_w / s_out) in both forms; the float one
  // is computed as XNNPACK does, in float from the float32 scales.
  void add_channel(double real_multiplier, float float_scale) {
    multipliers.push_back(quantize_multiplier(real_multiplier));
    float_scales.push_back(float_scale);
  }

  // `single`: round once (see rescale), else twice.
  int32_t apply(int32_t acc, int64_t channel, bool single) const {
    const QuantizedMultiplier& m = multipliers[multipliers.size() == 1 ? 0 : channel];
    const int32_t v = rescale(acc, m, single) + output_zero_point;
    return std::min(std::max(v, range.min), range.max);
  }

  int32_t apply(int32_t acc, int64_t channel, Rounding rounding) const {
    if (rounding != Rounding::kFloat) return apply(acc, channel, rounding == Rounding::kSingle);
    // XNNPACK: clamp in float relative to the zero point, round half to even, add it back.
    const float scale = float_scales[float_scales.size() == 1 ? 0 : channel];
    float v = static_cast<float>(acc) * scale;
    v = std::min(std::max(v, static_cast<float>(range.min - output_zero_point)),
                 static_cast<float>(range.max - output_zero_point));
    return static_cast<int32_t>(std::nearbyint(v)) + output_zero_point;
  }
};

// Calls fn(T{}) with T = int8_t or uint8_t for `dtype`; error otherwise.
template <typename Fn>
Status dispatch_quantized(DType dtype, const char* what, Fn&& fn) {
  return kernels::dispatch_types<int8_t, uint8_t>(dtype, fn, [&] {
    return Status::Error(std::string(what) + ": no integer kernel for " +
                         std::string(dtype_name(dtype)) + " (int8 or uint8 expected)");
  });
}

// Fails unless input and output are of one integer type: these kernels compute codes of the
// input's type straight into the output (int8 in, int8 out), as TFLite requires.
inline Status require_same_dtype(const QuantInfo& input, const QuantInfo& output) {
  if (input.dtype == output.dtype) return Status::Ok();
  return Status::Error("input is " + std::string(dtype_name(input.dtype)) + " but output is " +
                       std::string(dtype_name(output.dtype)));
}

// Fails unless `t` has dtype `dtype` (the value's declared quantized type).
Status require_tensor_dtype(const Tensor& t, DType dtype, const char* what);

// A 256-entry table from every input code (indexed by its byte) to its output code, built in
// float by dequantize -> f -> round half away from zero -> clamp, as TFLite's LUT-based integer
// kernels (LOGISTIC, TANH) populate theirs.
std::vector<uint8_t> build_lookup_table(const QuantInfo& in, const QuantInfo& out,
                                        float (*f)(float));

}  // namespace mconv::runtime::quantized
