// The GEMM path of the integer Conv: for each output pixel, the window's input codes minus the
// input zero point go into one im2col row ([kh][kw][Cg] per group, zeros for padding, which is
// the real value 0), and every output channel of the group is that row dotted with its packed
// weights. A pointwise convolution reads the input row directly.
#include "runtime/kernels/quantized/conv_quantized.h"
#include "runtime/thread_pool.h"

namespace mconv::runtime::quantized {
namespace {

// Dot product of two int16 rows in int32 (a plain loop the compiler vectorizes).
inline int32_t dot(const int16_t* a, const int16_t* b, int64_t n) {
  int32_t acc = 0;
  for (int64_t i = 0; i < n; ++i) acc += static_cast<int32_t>(a[i]) * static_cast<int32_t>(b[i]);
  return acc;
}

}  // namespace

template <typename T>
void quantized_conv_gemm_nhwc(const kernels::ConvProblem& p, const QuantizedConvOperands& ops,
                              const T* x, T* y, const ExecContext& ctx) {
  const int64_t cg = p.in_c_per_group, mg = p.out_c_per_group, patch = p.patch_size();
  const int64_t pixels = p.batch * p.out_h * p.out_w;
  const bool pointwise = p.is_pointwise();
  const Rounding rounding = gemm_rounding(ctx);
  parallel_for(ctx, pixels, 64, [&](int64_t begin, int64_t end) {
    std::vector<int16_t> row(static_cast<size_t>(patch));
    for (int64_t pix = begin; pix < end; ++pix) {
      const int64_t n = pix / (p.out_h * p.out_w);
      const int64_t oh = (pix / p.out_w) % p.out_h, ow = pix % p.out_w;
      T* out = y + pix * p.out_c;
      for (int64_t g = 0; g < p.group; ++g) {
        if (pointwise) {
          const T* src = x + pix * p.in_c + g * cg;
          for (int64_t c = 0; c < cg; ++c)
            row[c] = static_cast<int16_t>(static_cast<int32_t>(src[c]) - ops.input_zero_point);
        } else {
          int16_t* dst = row.data();
          for (int64_t kh = 0; kh < p.kernel_h; ++kh) {
            const int64_t ih = oh * p.stride_h - p.pad_top + kh * p.dilation_h;
            for (int64_t kw = 0; kw < p.kernel_w; ++kw, dst += cg) {
              const int64_t iw = ow * p.stride_w - p.pad_left + kw * p.dilation_w;
              if (ih < 0 || ih >= p.in_h || iw < 0 || iw >= p.in_w) {
                std::fill(dst, dst + cg, int16_t{0});
                continue;
              }
              const T* src = x + ((n * p.in_h + ih) * p.in_w + iw) * p.in_c + g * cg;
              for (int64_t c = 0; c < cg; ++c)
                dst[c] = static_cast<int16_t>(static_cast<int32_t>(src[c]) - ops.input_zero_point);
            }
          }
        }
        for (int64_t m = 0; m < mg; ++m) {
          const int64_t o = g * mg + m;
          const int32_t acc = ops.bias[o] + dot(row.data(), ops.weights.data() + o * patch, patch);
          out[o] = static_cast<T>(ops.requantize.apply(acc, o, rounding));
        }
      }
    }
  });
}

template void quantized_conv_gemm_nhwc<int8_t>(const kernels::ConvProblem&,
                                               const QuantizedConvOperands&, const int8_t*, int8_t*,
                                               const ExecContext&);
template void quantized_conv_gemm_nhwc<uint8_t>(const kernels::ConvProblem&,
                                                const QuantizedConvOperands&, const uint8_t*,
                                                uint8_t*, const ExecContext&);

}  // namespace mconv::runtime::quantized
