// General convolution as GEMM. NCHW: out[Mg x OHW] = W[Mg x K] * col[K x OHW] per group, where
// col is the im2col matrix (or the input itself for pointwise convs). NHWC: out[OHW x M] =
// col[OHW x K] * Wp^T with weights packed [M][kh][kw][Cg] so a patch row copies whole pixels.
#include <algorithm>
#include <cstring>

#include "runtime/kernels/conv_internal.h"
#include "runtime/kernels/window2d.h"
#include "runtime/sgemm.h"
#include "runtime/thread_pool.h"

namespace mconv::runtime::kernels {
namespace {

// Fills rows [row_begin, row_end) of the K x OHW im2col matrix of one group's input planes.
// Row r = (c * kh + ky) * kw + kx holds, for every output pixel, the input the tap reads.
void im2col_nchw(const ConvProblem& p, const float* planes, int64_t row_begin, int64_t row_end,
                 float* col) {
  const int64_t out_pixels = p.out_h * p.out_w;
  for (int64_t r = row_begin; r < row_end; ++r) {
    const int64_t kx = r % p.kernel_w, ky = (r / p.kernel_w) % p.kernel_h;
    const int64_t c = r / (p.kernel_w * p.kernel_h);
    const float* plane = planes + c * p.in_h * p.in_w;
    const int64_t offset = kx * p.dilation_w - p.pad_left;  // ix = ox * stride + offset
    const ValidRange cols = valid_range(offset, p.stride_w, p.in_w, p.out_w);
    float* dst = col + r * out_pixels;
    for (int64_t oy = 0; oy < p.out_h; ++oy, dst += p.out_w) {
      const int64_t iy = oy * p.stride_h - p.pad_top + ky * p.dilation_h;
      if (iy < 0 || iy >= p.in_h) {
        std::fill(dst, dst + p.out_w, 0.0f);
        continue;
      }
      const float* src = plane + iy * p.in_w;
      std::fill(dst, dst + cols.lo, 0.0f);
      if (p.stride_w == 1) {
        std::memcpy(dst + cols.lo, src + cols.lo + offset, sizeof(float) * (cols.hi - cols.lo));
      } else {
        for (int64_t ox = cols.lo; ox < cols.hi; ++ox) dst[ox] = src[ox * p.stride_w + offset];
      }
      std::fill(dst + cols.hi, dst + p.out_w, 0.0f);
    }
  }
}

// Fills rows [pixel_begin, pixel_end) of the OHW x K im2col matrix of group g of one NHWC image.
// Row entries are ordered (ky, kx, c) to match the packed weights.
void im2col_nhwc(const ConvProblem& p, const float* image, int64_t g, int64_t pixel_begin,
                 int64_t pixel_end, float* col) {
  const int64_t cg = p.in_c_per_group, k = p.patch_size();
  for (int64_t pixel = pixel_begin; pixel < pixel_end; ++pixel) {
    const int64_t oy = pixel / p.out_w, ox = pixel % p.out_w;
    float* dst = col + pixel * k;
    for (int64_t ky = 0; ky < p.kernel_h; ++ky) {
      const int64_t iy = oy * p.stride_h - p.pad_top + ky * p.dilation_h;
      for (int64_t kx = 0; kx < p.kernel_w; ++kx, dst += cg) {
        const int64_t ix = ox * p.stride_w - p.pad_left + kx * p.dilation_w;
        if (iy < 0 || iy >= p.in_h || ix < 0 || ix >= p.in_w) {
          std::fill(dst, dst + cg, 0.0f);
        } else {
          std::memcpy(dst, image + (iy * p.in_w + ix) * p.in_c + g * cg, sizeof(float) * cg);
        }
      }
    }
  }
}

}  // namespace

ConvPath choose_conv_path(bool nhwc, int64_t group, int64_t out_c, int64_t in_c_per_group) {
  const bool depthwise = group > 1 && in_c_per_group == 1;
  if (!nhwc) return depthwise ? ConvPath::kDepthwiseNchw : ConvPath::kGemmNchw;
  // Channel multipliers > 1 interleave outputs; the grouped GEMM handles that rare case.
  return depthwise && out_c == group ? ConvPath::kDepthwiseNhwc : ConvPath::kGemmNhwc;
}

std::vector<float> pack_conv_weights(ConvPath path, const std::vector<float>& oihw, int64_t out_c,
                                     int64_t in_c_per_group, int64_t kernel_h, int64_t kernel_w) {
  const int64_t taps = kernel_h * kernel_w;
  switch (path) {
    case ConvPath::kGemmNchw:
    case ConvPath::kDepthwiseNchw:
      return oihw;  // OIHW rows are already [Mg x Cg*kh*kw] per group
    case ConvPath::kGemmNhwc: {
      std::vector<float> packed(oihw.size());
      for (int64_t m = 0; m < out_c; ++m)
        for (int64_t c = 0; c < in_c_per_group; ++c)
          for (int64_t t = 0; t < taps; ++t)
            packed[(m * taps + t) * in_c_per_group + c] = oihw[(m * in_c_per_group + c) * taps + t];
      return packed;
    }
    case ConvPath::kDepthwiseNhwc: {
      std::vector<float> packed(oihw.size());
      for (int64_t m = 0; m < out_c; ++m)
        for (int64_t t = 0; t < taps; ++t) packed[t * out_c + m] = oihw[m * taps + t];
      return packed;
    }
  }
  return oihw;
}

void conv_gemm_nchw(const ConvProblem& p, const float* x, const float* w, const float* bias,
                    float* y, std::vector<float>& scratch, const ExecContext& ctx) {
  const int64_t k = p.patch_size(), mg = p.out_c_per_group;
  const int64_t out_pixels = p.out_h * p.out_w, in_pixels = p.in_h * p.in_w;
  const bool pointwise = p.is_pointwise();
  if (!pointwise) scratch.resize(static_cast<size_t>(k * out_pixels));
  for (int64_t n = 0; n < p.batch; ++n) {
    for (int64_t g = 0; g < p.group; ++g) {
      const float* planes = x + (n * p.in_c + g * p.in_c_per_group) * in_pixels;
      float* out = y + (n * p.out_c + g * mg) * out_pixels;
      const float* operand = planes;  // K x OHW
      if (!pointwise) {
        float* col = scratch.data();
        parallel_for(ctx, k, 8, [&](int64_t b, int64_t e) { im2col_nchw(p, planes, b, e, col); });
        operand = col;
      }
      // Bias goes in first so the GEMM accumulates onto it (beta = 1) in one pass.
      if (bias)
        for (int64_t m = 0; m < mg; ++m)
          std::fill(out + m * out_pixels, out + (m + 1) * out_pixels, bias[g * mg + m]);
      sgemm(mg, out_pixels, k, 1.0f, {w + g * mg * k, k, false}, {operand, out_pixels, false},
            bias ? 1.0f : 0.0f, out, out_pixels, ctx);
    }
  }
}

void conv_gemm_nhwc(const ConvProblem& p, const float* x, const float* w, const float* bias,
                    float* y, std::vector<float>& scratch, const ExecContext& ctx) {
  const int64_t k = p.patch_size(), mg = p.out_c_per_group;
  const int64_t out_pixels = p.out_h * p.out_w;
  const bool pointwise = p.is_pointwise();
  if (!pointwise) scratch.resize(static_cast<size_t>(k * out_pixels));
  for (int64_t n = 0; n < p.batch; ++n) {
    const float* image = x + n * p.in_h * p.in_w * p.in_c;
    float* out = y + n * out_pixels * p.out_c;
    if (bias)
      for (int64_t pixel = 0; pixel < out_pixels; ++pixel)
        std::memcpy(out + pixel * p.out_c, bias, sizeof(float) * p.out_c);
    for (int64_t g = 0; g < p.group; ++g) {
      // Pointwise: the pixels x channels-of-group slice of the image is the operand directly.
      MatrixRef operand{image + g * p.in_c_per_group, p.in_c, false};
      if (!pointwise) {
        float* col = scratch.data();
        parallel_for(ctx, out_pixels, 16,
                     [&](int64_t b, int64_t e) { im2col_nhwc(p, image, g, b, e, col); });
        operand = {col, k, false};
      }
      sgemm(out_pixels, mg, k, 1.0f, operand, {w + g * mg * k, k, true}, bias ? 1.0f : 0.0f,
            out + g * mg, p.out_c, ctx);
    }
  }
}

}  // namespace mconv::runtime::kernels
