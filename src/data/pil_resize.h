// Pillow's Image.resize(size, Image.BILINEAR) for 8-bit RGB images, reproduced bit for bit: the
// separable two-pass convolution of libImaging/Resample.c (horizontal pass first, then
// vertical), whose triangle filter widens with the downscale factor (antialiasing), with its
// normalised coefficients converted to 22-bit fixed point and the result rounded to uint8 after
// each pass. torchvision's Resize on a PIL image calls exactly this.
#pragma once

#include <vector>

#include "data/images.h"

namespace mconv {

// Which input samples feed one output sample, and with what weights.
struct ResampleTaps {
  int first = 0;                 // index of the first input sample used
  std::vector<int32_t> weights;  // fixed-point weights (sum ~ 1 << kPilPrecisionBits)
};

// Fixed-point precision of Pillow's 8-bit resampler (32 bits - 8 for the value - 2 for overflow).
inline constexpr int kPilPrecisionBits = 22;

// Taps for resampling `in_size` samples to `out_size` with Pillow's bilinear filter over the whole
// input range (box [0, in_size)). Exposed for tests.
std::vector<ResampleTaps> pil_bilinear_taps(int in_size, int out_size);

// Resizes to out_width x out_height (both >= 1). Same-size input is returned as a copy, as PIL
// does.
RgbImage resize_pil_bilinear(const RgbImage& image, int out_width, int out_height);

}  // namespace mconv
