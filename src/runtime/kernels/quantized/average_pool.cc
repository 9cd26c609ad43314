// Integer AveragePool (TFLite AVERAGE_POOL_2D on int8/uint8), NHWC. TFLite sums the raw codes of
// the window taps inside the input and divides by their count rounding half away from zero; it
// requires the output to keep the input's parameters. When a node does change them, the sum of
// (x - in_zp) is rescaled by s_in / s_out first, then divided the same way. count_include_pad
// (ONNX) divides by the pad-inclusive tap count instead.
#include <type_traits>

#include "runtime/kernels/kernel_util.h"
#include "runtime/kernels/quantized/pool_window.h"
#include "runtime/kernels/quantized/quantized_kernels.h"

namespace mconv::runtime::quantized {
namespace {

inline int32_t rounded_divide(int32_t acc, int32_t count) {
  return acc > 0 ? (acc + count / 2) / count : (acc - count / 2) / count;
}

}  // namespace

KernelPtr create_average_pool_kernel(const ir::Node& node) {
  MCONV_ASSIGN_OR_RETURN(kernels::Window2d window, kernels::parse_window2d(node, true));
  MCONV_RETURN_IF_ERROR(check_pool_node(node, window));
  MCONV_ASSIGN_OR_RETURN(QuantInfo xq, input_quant(node, 0, "X"));
  MCONV_ASSIGN_OR_RETURN(QuantInfo yq, output_quant(node, 0, "Y"));
  MCONV_RETURN_IF_ERROR(require_same_dtype(xq, yq));
  const bool include_pad = node.attrs.get_int("count_include_pad", 0) != 0;
  const bool same_params = xq.scale == yq.scale && xq.zero_point == yq.zero_point;
  const QuantizedMultiplier multiplier = quantize_multiplier(xq.scale[0] / yq.scale[0]);
  const int32_t in_zp = xq.zero_point[0], out_zp = yq.zero_point[0];
  const DType dtype = yq.dtype;
  return make_quantized_pool_kernel(
      window, dtype,
      [=](const QuantizedPoolProblem& p, const auto* src, auto* dst, const ExecContext& ctx) {
        using T = std::remove_pointer_t<decltype(dst)>;
        const bool single = single_rounding(ctx);
        const int32_t lo = dtype_min(dtype), hi = dtype_max(dtype);
        std::vector<int32_t> acc(static_cast<size_t>(p.channels));
        for_each_pool_window(
            p, src, [&] { std::fill(acc.begin(), acc.end(), 0); },
            [&](const T* px) {
              for (int64_t ch = 0; ch < p.channels; ++ch) acc[ch] += px[ch];
            },
            [&](const PoolSpan& r, const PoolSpan& c) {
              const int32_t inside = static_cast<int32_t>((r.end - r.begin) * (c.end - c.begin));
              const int32_t count =
                  include_pad ? static_cast<int32_t>(r.with_pad * c.with_pad) : inside;
              for (int64_t ch = 0; ch < p.channels; ++ch, ++dst) {
                int32_t v;
                if (count == 0) {
                  v = out_zp;  // an empty window averages nothing: real 0
                } else if (same_params && !include_pad) {
                  v = rounded_divide(acc[ch], count);
                } else {
                  // Padding taps are real zeros: only the inside taps carry (x - in_zp).
                  const int32_t centred = acc[ch] - inside * in_zp;
                  v = rounded_divide(rescale(centred, multiplier, single), count) + out_zp;
                }
                *dst = static_cast<T>(std::clamp(v, lo, hi));
              }
            });
      });
}

}  // namespace mconv::runtime::quantized
