// See pil_resize.h. Every rounding step mirrors Pillow's 8-bit path so that our tensors equal the
// ones torchvision builds from the same decoded pixels.
#include "data/pil_resize.h"

#include <algorithm>
#include <cmath>

namespace mconv {
namespace {

// Pillow's BILINEAR filter: the triangle of support 1.
double triangle(double x) {
  x = std::fabs(x);
  return x < 1.0 ? 1.0 - x : 0.0;
}

inline uint8_t clip_fixed_point(int32_t accumulator) {
  const int32_t value = accumulator >> kPilPrecisionBits;  // arithmetic shift, as in Pillow
  return static_cast<uint8_t>(std::clamp(value, 0, 255));
}

// Pillow starts every accumulator at one half so that the final shift rounds to nearest.
constexpr int32_t kHalf = int32_t{1} << (kPilPrecisionBits - 1);

// One output row from one input row: `taps` indexes input pixels.
void resample_row(const uint8_t* in, uint8_t* out, const std::vector<ResampleTaps>& taps) {
  for (size_t xx = 0; xx < taps.size(); ++xx) {
    const ResampleTaps& t = taps[xx];
    int32_t r = kHalf, g = kHalf, b = kHalf;
    const uint8_t* p = in + size_t(t.first) * 3;
    for (int32_t w : t.weights) {
      r += int32_t{p[0]} * w;
      g += int32_t{p[1]} * w;
      b += int32_t{p[2]} * w;
      p += 3;
    }
    out[xx * 3 + 0] = clip_fixed_point(r);
    out[xx * 3 + 1] = clip_fixed_point(g);
    out[xx * 3 + 2] = clip_fixed_point(b);
  }
}

}  // namespace

std::vector<ResampleTaps> pil_bilinear_taps(int in_size, int out_size) {
  // Pillow works on a float box [in0, in1) = [0, in_size) and in double precision from there.
  const float in0 = 0.0f;
  const float in1 = static_cast<float>(in_size);
  const double scale = static_cast<double>(in1 - in0) / out_size;
  // Downscaling stretches the filter over `scale` input samples (this is the antialiasing).
  const double filter_scale = std::max(scale, 1.0);
  const double support = 1.0 * filter_scale;
  const double inverse_filter_scale = 1.0 / filter_scale;

  std::vector<ResampleTaps> taps(static_cast<size_t>(out_size));
  std::vector<double> weights;
  for (int xx = 0; xx < out_size; ++xx) {
    const double center = in0 + (xx + 0.5) * scale;
    // Pillow "rounds" with a truncating cast of value + 0.5, then clamps to the input.
    const int xmin = std::max(static_cast<int>(center - support + 0.5), 0);
    const int xmax = std::min(static_cast<int>(center + support + 0.5), in_size);
    const int count = std::max(xmax - xmin, 0);
    weights.assign(static_cast<size_t>(count), 0.0);
    double total = 0.0;
    for (int x = 0; x < count; ++x) {
      const double w = triangle((x + xmin - center + 0.5) * inverse_filter_scale);
      weights[x] = w;
      total += w;
    }
    ResampleTaps& t = taps[static_cast<size_t>(xx)];
    t.first = xmin;
    t.weights.resize(static_cast<size_t>(count));
    for (int x = 0; x < count; ++x) {
      const double normalised = total != 0.0 ? weights[x] / total : weights[x];
      const double fixed = normalised * (1 << kPilPrecisionBits);
      // Round half away from zero, as Pillow's normalize_coeffs_8bpc does.
      t.weights[x] = static_cast<int32_t>(normalised < 0 ? -0.5 + fixed : 0.5 + fixed);
    }
  }
  return taps;
}

RgbImage resize_pil_bilinear(const RgbImage& image, int out_width, int out_height) {
  if (out_width == image.width && out_height == image.height) return image;
  const std::vector<ResampleTaps> vertical = pil_bilinear_taps(image.height, out_height);

  // Horizontal pass first, over only the input rows the vertical pass will read.
  const RgbImage* source = &image;
  int source_row0 = 0;  // input row held by source->row(0)
  RgbImage horizontal_result;
  if (out_width != image.width) {
    const std::vector<ResampleTaps> horizontal = pil_bilinear_taps(image.width, out_width);
    const int first_row = vertical.front().first;
    const int last_row = vertical.back().first + static_cast<int>(vertical.back().weights.size());
    horizontal_result = RgbImage(out_width, last_row - first_row);
    for (int y = first_row; y < last_row; ++y) {
      resample_row(image.row(y), horizontal_result.row(y - first_row), horizontal);
    }
    source = &horizontal_result;
    source_row0 = first_row;
  }
  if (out_height == image.height) return horizontal_result;

  // Vertical pass: each output row is a weighted sum of whole source rows.
  RgbImage out(out_width, out_height);
  const size_t row_values = size_t(out_width) * 3;
  std::vector<int32_t> accumulators(row_values);
  for (int yy = 0; yy < out_height; ++yy) {
    const ResampleTaps& t = vertical[static_cast<size_t>(yy)];
    std::fill(accumulators.begin(), accumulators.end(), kHalf);
    for (size_t k = 0; k < t.weights.size(); ++k) {
      const uint8_t* src = source->row(t.first - source_row0 + static_cast<int>(k));
      const int32_t w = t.weights[k];
      for (size_t i = 0; i < row_values; ++i) accumulators[i] += int32_t{src[i]} * w;
    }
    uint8_t* dst = out.row(yy);
    for (size_t i = 0; i < row_values; ++i) dst[i] = clip_fixed_point(accumulators[i]);
  }
  return out;
}

}  // namespace mconv
