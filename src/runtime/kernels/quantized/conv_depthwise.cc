// The depthwise path of the integer Conv (TFLite DEPTHWISE_CONV_2D): output channel o reads input
// channel o / multiplier only. Per output pixel, the taps inside the input add
// (x - x_zp) * (w - w_zp) into one int32 accumulator per channel; taps in the padding add nothing
// (the padding is the real value 0).

#include "runtime/kernels/quantized/conv_quantized.h"
#include "runtime/thread_pool.h"

namespace mconv::runtime::quantized {

template <typename T>
void quantized_conv_depthwise_nhwc(const kernels::ConvProblem& p, const QuantizedConvOperands& ops,
                                   const T* x, T* y, const ExecContext& ctx) {
  const int64_t multiplier = p.out_c / p.in_c;
  const int64_t rows = p.batch * p.out_h;
  const Rounding rounding = depthwise_rounding(ctx);
  parallel_for(ctx, rows, 4, [&](int64_t begin, int64_t end) {
    std::vector<int32_t> acc(static_cast<size_t>(p.out_c));
    for (int64_t r = begin; r < end; ++r) {
      const int64_t n = r / p.out_h, oh = r % p.out_h;
      for (int64_t ow = 0; ow < p.out_w; ++ow) {
        std::copy(ops.bias.begin(), ops.bias.end(), acc.begin());
        for (int64_t kh = 0; kh < p.kernel_h; ++kh) {
          const int64_t ih = oh * p.stride_h - p.pad_top + kh * p.dilation_h;
          if (ih < 0 || ih >= p.in_h) continue;
          for (int64_t kw = 0; kw < p.kernel_w; ++kw) {
            const int64_t iw = ow * p.stride_w - p.pad_left + kw * p.dilation_w;
            if (iw < 0 || iw >= p.in_w) continue;
            const T* src = x + ((n * p.in_h + ih) * p.in_w + iw) * p.in_c;
            const int16_t* w = ops.weights.data() + (kh * p.kernel_w + kw) * p.out_c;
            if (multiplier == 1) {
              for (int64_t c = 0; c < p.out_c; ++c)
                acc[c] += (static_cast<int32_t>(src[c]) - ops.input_zero_point) * w[c];
            } else {
              for (int64_t o = 0; o < p.out_c; ++o)
                acc[o] += (static_cast<int32_t>(src[o / multiplier]) - ops.input_zero_point) * w[o];
            }
          }
        }
        T* out = y + ((n * p.out_h + oh) * p.out_w + ow) * p.out_c;
        for (int64_t o = 0; o < p.out_c; ++o)
          out[o] = static_cast<T>(ops.requantize.apply(acc[o], o, rounding));
      }
    }
  });
}

template void quantized_conv_depthwise_nhwc<int8_t>(const kernels::ConvProblem&,
                                                    const QuantizedConvOperands&, const int8_t*,
                                                    int8_t*, const ExecContext&);
template void quantized_conv_depthwise_nhwc<uint8_t>(const kernels::ConvProblem&,
                                                     const QuantizedConvOperands&, const uint8_t*,
                                                     uint8_t*, const ExecContext&);

}  // namespace mconv::runtime::quantized
