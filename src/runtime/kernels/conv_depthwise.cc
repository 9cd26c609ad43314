// Depthwise convolution as a direct loop (GEMM would have a reduction of only kh*kw). NCHW: the
// common 3x3/5x5, stride 1/2 cases copy each plane into a zero-padded buffer and run a
// compile-time-unrolled window over it; others apply each tap to whole output rows. NHWC: each
// tap is applied to all channels of a pixel, a contiguous branch-free inner loop.
#include <algorithm>
#include <cstring>

#include "runtime/kernels/conv_internal.h"
#include "runtime/kernels/window2d.h"
#include "runtime/thread_pool.h"

namespace mconv::runtime::kernels {

namespace {

// One output plane from a zero-padded input plane (row pitch `pitch`): no bounds checks, taps
// unrolled at compile time, and the output column loop vectorizes (also for stride 2).
template <int K, int S>
void depthwise_plane(const float* padded, int64_t pitch, const float* taps, float bias, float* out,
                     int64_t out_h, int64_t out_w) {
  for (int64_t oy = 0; oy < out_h; ++oy, out += out_w) {
    const float* rows = padded + oy * S * pitch;
    for (int64_t ox = 0; ox < out_w; ++ox) {
      float acc = bias;
      for (int ky = 0; ky < K; ++ky)
        for (int kx = 0; kx < K; ++kx) acc += taps[ky * K + kx] * rows[ky * pitch + ox * S + kx];
      out[ox] = acc;
    }
  }
}

using PlaneFn = void (*)(const float*, int64_t, const float*, float, float*, int64_t, int64_t);

// The specialised plane function for this problem, or null when the generic loop must run.
PlaneFn padded_plane_fn(const ConvProblem& p) {
  if (p.dilation_h != 1 || p.dilation_w != 1 || p.kernel_h != p.kernel_w ||
      p.stride_h != p.stride_w)
    return nullptr;
  const int64_t k = p.kernel_h, s = p.stride_h;
  if (k == 3 && s == 1) return depthwise_plane<3, 1>;
  if (k == 3 && s == 2) return depthwise_plane<3, 2>;
  if (k == 5 && s == 1) return depthwise_plane<5, 1>;
  if (k == 5 && s == 2) return depthwise_plane<5, 2>;
  return nullptr;
}

// Any kernel, stride and dilation: each tap is applied to a whole output row over the columns
// where it lands inside the input.
void depthwise_plane_generic(const ConvProblem& p, const std::vector<ValidRange>& cols,
                             const float* in, const float* taps, float bias, float* out) {
  std::fill(out, out + p.out_h * p.out_w, bias);
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

}  // namespace

void conv_depthwise_nchw(const ConvProblem& p, const float* x, const float* w, const float* bias,
                         float* y, const ExecContext& ctx) {
  const int64_t multiplier = p.out_c / p.in_c;  // output channels per input channel
  const int64_t plane_in = p.in_h * p.in_w, plane_out = p.out_h * p.out_w;
  const PlaneFn fast = padded_plane_fn(p);
  // Padded plane extent: every row/column any window touches, pads included.
  const int64_t rows = (p.out_h - 1) * p.stride_h + p.kernel_h;
  const int64_t pitch = (p.out_w - 1) * p.stride_w + p.kernel_w;
  std::vector<ValidRange> cols(p.kernel_w);
  for (int64_t kx = 0; kx < p.kernel_w; ++kx)
    cols[kx] = valid_range(kx * p.dilation_w - p.pad_left, p.stride_w, p.in_w, p.out_w);

  parallel_for(ctx, p.batch * p.out_c, 4, [&](int64_t begin, int64_t end) {
    // Pads stay zero across planes: only the interior is rewritten for each one.
    std::vector<float> padded(fast ? static_cast<size_t>(rows * pitch) : 0, 0.0f);
    const int64_t copy_rows = std::min(p.in_h, rows - p.pad_top);
    const int64_t copy_cols = std::min(p.in_w, pitch - p.pad_left);
    for (int64_t plane = begin; plane < end; ++plane) {
      const int64_t n = plane / p.out_c, m = plane % p.out_c;
      const float* in = x + (n * p.in_c + m / multiplier) * plane_in;
      const float* taps = w + m * p.kernel_h * p.kernel_w;
      const float b = bias ? bias[m] : 0.0f;
      float* out = y + plane * plane_out;
      if (!fast) {
        depthwise_plane_generic(p, cols, in, taps, b, out);
        continue;
      }
      for (int64_t iy = 0; iy < copy_rows; ++iy)
        std::memcpy(&padded[(iy + p.pad_top) * pitch + p.pad_left], in + iy * p.in_w,
                    sizeof(float) * copy_cols);
      fast(padded.data(), pitch, taps, b, out, p.out_h, p.out_w);
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
