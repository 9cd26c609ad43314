// Tensor helpers the tests share: feeding [N, ...] batches (the shared models' .npy inputs, decoded
// image batches) one [1, ...] row at a time, moving NCHW data to NHWC for the TFLite side, and
// comparing logits by top-1 and by relative difference. One definition, so every test slices,
// transposes and measures the same way.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <span>
#include <vector>

#include "core/tensor.h"

namespace mconv::test {

// Row `row` of a [N, ...] tensor as a [1, ...] tensor (any dtype).
inline Tensor batch_row(const Tensor& batch, int64_t row) {
  std::vector<int64_t> shape = batch.shape();
  shape[0] = 1;
  Tensor out(batch.dtype(), shape);
  std::memcpy(out.raw(), batch.raw() + row * out.byte_size(), out.byte_size());
  return out;
}

// Index of the largest value (the first one on ties): the top-1 class of a logits row.
inline int64_t argmax(std::span<const float> v) {
  return std::max_element(v.begin(), v.end()) - v.begin();
}

// An f32 [N, C, H, W] batch as [N, H, W, C] (to_nhwc) or back: element (b, ch, y, x) moves
// between its offsets in the two layouts.
inline Tensor swap_image_layout(const Tensor& t, bool to_nhwc) {
  const int64_t n = t.dim(0), c = t.dim(to_nhwc ? 1 : 3), h = t.dim(to_nhwc ? 2 : 1),
                w = t.dim(to_nhwc ? 3 : 2);
  Tensor out(DType::kF32,
             to_nhwc ? std::vector<int64_t>{n, h, w, c} : std::vector<int64_t>{n, c, h, w});
  const float* src = t.data<float>();
  float* dst = out.data<float>();
  for (int64_t b = 0; b < n; ++b)
    for (int64_t ch = 0; ch < c; ++ch)
      for (int64_t y = 0; y < h; ++y)
        for (int64_t x = 0; x < w; ++x) {
          const int64_t nchw = ((b * c + ch) * h + y) * w + x,
                        nhwc = ((b * h + y) * w + x) * c + ch;
          if (to_nhwc) {
            dst[nhwc] = src[nchw];
          } else {
            dst[nchw] = src[nhwc];
          }
        }
  return out;
}
inline Tensor nchw_to_nhwc(const Tensor& t) {
  return swap_image_layout(t, true);
}
inline Tensor nhwc_to_nchw(const Tensor& t) {
  return swap_image_layout(t, false);
}

// max |a - b| / max |reference| (max |a - b| when the reference is all zeros); a huge value when
// the sizes differ.
inline double relative_diff(std::span<const float> a, std::span<const float> reference) {
  if (a.size() != reference.size()) return 1e30;
  double diff = 0, scale = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    diff = std::max(diff, static_cast<double>(std::fabs(a[i] - reference[i])));
    scale = std::max(scale, static_cast<double>(std::fabs(reference[i])));
  }
  return scale > 0 ? diff / scale : diff;
}

}  // namespace mconv::test
