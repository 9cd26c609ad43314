// Integer ReduceMean (TFLite MEAN on int8/uint8; attrs axes, keepdims). Under
// IntegerRounding::kLiteRt as XNNPACK computes it (bit-exact with LiteRT on mconv's int8
// MobileNetV3): float(sum(x) - count * in_zp) * ((s_in / s_out) / count), rounded half to even,
// plus out_zp. Otherwise as TFLite's optimized integer mean (bit-exact with tfjs-tflite on the
// TF-Hub int8 MobileNetV3):
//   acc  = sum of the raw codes over the reduced axes (int32);
//   out  = acc * M + bias, clamped, where M = s_in / (count * s_out) is computed in float and
//          quantized to a fixed-point multiplier, and bias = out_zp - round(in_zp * s_in / s_out)
//          (float, half away from zero);
// the product rounds once or twice per the run's IntegerRounding. The same formula serves every
// axis set (TFLite's special case is H and W of an NHWC tensor).
#include <cmath>

#include "runtime/kernels/kernel_util.h"
#include "runtime/kernels/quantized/quantized_kernels.h"

namespace mconv::runtime::quantized {

KernelPtr create_reduce_mean_kernel(const ir::Node& node) {
  MCONV_ASSIGN_OR_RETURN(QuantInfo xq, input_quant(node, 0, "data"));
  MCONV_ASSIGN_OR_RETURN(QuantInfo yq, output_quant(node, 0, "reduced"));
  MCONV_RETURN_IF_ERROR(require_same_dtype(xq, yq));
  if (node.inputs.size() > 1 && node.inputs[1])
    return Status::Error("axes must be the attribute (canonical IR form), not an input");
  const std::vector<int64_t> axes_attr = node.attrs.get_ints("axes");
  const bool keepdims = node.attrs.get_int("keepdims", 1) != 0;
  const int32_t in_zp = xq.zero_point[0], out_zp = yq.zero_point[0];
  const DType dtype = yq.dtype;
  const float in_scale_f = static_cast<float>(xq.scale[0]),
              out_scale_f = static_cast<float>(yq.scale[0]);
  return kernels::make_lambda_kernel(
      [=](KernelInputs in, std::vector<Tensor>& out, const ExecContext& ctx) -> Status {
        MCONV_RETURN_IF_ERROR(kernels::require_input(in, 0, "data"));
        const Tensor& x = *in[0];
        MCONV_RETURN_IF_ERROR(require_tensor_dtype(x, dtype, "data"));
        const int rank = x.rank();
        std::vector<bool> reduced(rank, axes_attr.empty());
        for (int64_t a : axes_attr) {
          MCONV_ASSIGN_OR_RETURN(int64_t axis, kernels::normalize_axis(a, rank));
          reduced[axis] = true;
        }
        std::vector<int64_t> kept_shape(rank), out_shape;
        int64_t count = 1;
        for (int d = 0; d < rank; ++d) {
          kept_shape[d] = reduced[d] ? 1 : x.dim(d);
          if (reduced[d]) count *= x.dim(d);
          if (!reduced[d] || keepdims) out_shape.push_back(kept_shape[d]);
        }
        out[0] = Tensor(dtype, out_shape);
        const int64_t outputs = out[0].element_count();
        if (outputs == 0) return Status::Ok();
        if (count == 0) return Status::Error("mean over an empty axis of " + x.describe());
        // Output stride of each input axis (0 along reduced ones): an odometer over the input.
        const std::vector<int64_t> kept_strides = kernels::contiguous_strides(kept_shape);
        std::vector<int64_t> step(rank);
        for (int d = 0; d < rank; ++d) step[d] = reduced[d] ? 0 : kept_strides[d];
        std::vector<int32_t> acc(static_cast<size_t>(outputs), 0);
        return dispatch_quantized(dtype, "data", [&](auto tag) {
          using T = decltype(tag);
          const T* src = x.data<T>();
          const int64_t n = x.element_count();
          const int64_t inner = rank ? x.dim(rank - 1) : 1;
          const int64_t inner_step = rank ? step[rank - 1] : 0;
          std::vector<int64_t> index(rank, 0);
          int64_t base = 0;
          for (int64_t i = 0; i < n; i += inner) {
            for (int64_t j = 0; j < inner; ++j)
              acc[base + j * inner_step] += static_cast<int32_t>(src[i + j]);
            for (int d = rank - 1; d-- > 0;) {
              base += step[d];
              if (++index[d] < x.dim(d)) break;
              base -= step[d] * x.dim(d);
              index[d] = 0;
            }
          }
          // TFLite derives both constants in float.
          float shifted_zp = static_cast<float>(in_zp) * in_scale_f / out_scale_f;
          shifted_zp = shifted_zp > 0 ? shifted_zp + 0.5f : shifted_zp - 0.5f;
          const int32_t bias = out_zp - static_cast<int32_t>(shifted_zp);
          const QuantizedMultiplier m =
              quantize_multiplier(in_scale_f / (static_cast<float>(count) * out_scale_f));
          const bool single = single_rounding(ctx);
          if (ctx.integer_rounding == IntegerRounding::kLiteRt) {
            // XNNPACK (LiteRT): the centred sum times (s_in / s_out) / count in float, clamped
            // around the zero point, rounded half to even.
            const float fscale = (in_scale_f / out_scale_f) / static_cast<float>(count);
            const int32_t lo = dtype_min(dtype), hi = dtype_max(dtype);
            T* dst = out[0].data<T>();
            for (int64_t o = 0; o < outputs; ++o) {
              const int32_t centred = acc[o] - static_cast<int32_t>(count) * in_zp;
              float f = static_cast<float>(centred) * fscale;
              f = std::min(std::max(f, static_cast<float>(lo - out_zp)),
                           static_cast<float>(hi - out_zp));
              dst[o] = static_cast<T>(static_cast<int32_t>(std::nearbyint(f)) + out_zp);
            }
            return Status::Ok();
          }
          const int32_t lo = dtype_min(dtype), hi = dtype_max(dtype);
          T* dst = out[0].data<T>();
          for (int64_t o = 0; o < outputs; ++o)
            dst[o] = static_cast<T>(std::clamp(rescale(acc[o], m, single) + bias, lo, hi));
          return Status::Ok();
        });
      });
}

}  // namespace mconv::runtime::quantized
