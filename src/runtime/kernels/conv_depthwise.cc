// Depthwise convolution as a direct loop: GEMM would have a reduction of only kh*kw, so instead
// each weight tap is applied to a whole output row (NCHW) or to all channels of a pixel (NHWC),
// keeping the inner loop contiguous and branch-free.
#include <algorithm>
#include <cstring>

#include "runtime/kernels/conv_internal.h"
#include "runtime/kernels/window2d.h"
#include "runtime/thread_pool.h"

namespace mconv::runtime::kernels {

void conv_depthwise_nchw(const ConvProblem& p, const float* x, const float* w, const float* bias,
                         float* y, const ExecContext& ctx) {
  const int64_t multiplier = p.out_c / p.in_c;  // output channels per input channel
  const int64_t plane_in = p.in_h * p.in_w, plane_out = p.out_h * p.out_w;
  // Per kernel column: the output columns whose tap falls inside the input row.
  std::vector<ValidRange> cols(p.kernel_w);
  for (int64_t kx = 0; kx < p.kernel_w; ++kx)
    cols[kx] = valid_range(kx * p.dilation_w - p.pad_left, p.stride_w, p.in_w, p.out_w);

  parallel_for(ctx, p.batch * p.out_c, 4, [&](int64_t begin, int64_t end) {
    for (int64_t plane = begin; plane < end; ++plane) {
      const int64_t n = plane / p.out_c, m = plane % p.out_c;
      const float* in = x + (n * p.in_c + m / multiplier) * plane_in;
      const float* taps = w + m * p.kernel_h * p.kernel_w;
      float* out = y + plane * plane_out;
      std::fill(out, out + plane_out, bias ? bias[m] : 0.0f);
      for (int64_t oy = 0; oy < p.out_h; ++oy) {
        float* out_row = out + oy * p.out_w;
        for (int64_t ky = 0; ky < p.kernel_h; ++ky) {
          const int64_t iy = oy * p.stride_h - p.pad_top + ky * p.dilation_h;
          if (iy < 0 || iy >= p.in_h) continue;
          const float* in_row = in + iy * p.in_w;
          for (int64_t kx = 0; kx < p.kernel_w; ++kx) {
            const float tap = taps[ky * p.kernel_w + kx];
            const int64_t offset = kx * p.dilation_w - p.pad_left;  // ix = ox * stride + offset
            const ValidRange r = cols[kx];
            if (p.stride_w == 1) {
              for (int64_t ox = r.lo; ox < r.hi; ++ox) out_row[ox] += tap * in_row[ox + offset];
            } else {
              const int64_t s = p.stride_w;
              for (int64_t ox = r.lo; ox < r.hi; ++ox) out_row[ox] += tap * in_row[ox * s + offset];
            }
          }
        }
      }
    }
  });
}

void conv_depthwise_nhwc(const ConvProblem& p, const float* x, const float* w, const float* bias,
                         float* y, const ExecContext& ctx) {
  const int64_t c_count = p.in_c;  // == out_c on this path
  parallel_for(ctx, p.batch * p.out_h, 2, [&](int64_t begin, int64_t end) {
    for (int64_t row = begin; row < end; ++row) {
      const int64_t n = row / p.out_h, oy = row % p.out_h;
      const float* image = x + n * p.in_h * p.in_w * c_count;
      float* out_row = y + row * p.out_w * c_count;
      for (int64_t ox = 0; ox < p.out_w; ++ox) {
        float* acc = out_row + ox * c_count;
        if (bias) {
          std::memcpy(acc, bias, sizeof(float) * c_count);
        } else {
          std::fill(acc, acc + c_count, 0.0f);
        }
        for (int64_t ky = 0; ky < p.kernel_h; ++ky) {
          const int64_t iy = oy * p.stride_h - p.pad_top + ky * p.dilation_h;
          if (iy < 0 || iy >= p.in_h) continue;
          for (int64_t kx = 0; kx < p.kernel_w; ++kx) {
            const int64_t ix = ox * p.stride_w - p.pad_left + kx * p.dilation_w;
            if (ix < 0 || ix >= p.in_w) continue;
            const float* in = image + (iy * p.in_w + ix) * c_count;
            const float* tap = w + (ky * p.kernel_w + kx) * c_count;
            for (int64_t c = 0; c < c_count; ++c) acc[c] += tap[c] * in[c];
          }
        }
      }
    }
  });
}

}  // namespace mconv::runtime::kernels
