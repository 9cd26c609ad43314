// Helpers for the `mconv convert` tests: read what `inspect` says about a written file, move
// arrays between NCHW and NHWC, compare outputs.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "cli_test_util.h"
#include "core/tensor.h"

namespace mconv::test {

// The count of `op` in the histogram of `mconv inspect` text ("  Transpose       1"); 0 when
// the op is not listed.
inline int64_t inspect_op_count(const std::string& inspect_text, const std::string& op) {
  for (const std::string& line : lines_of(inspect_text)) {
    if (line.rfind("  " + op + " ", 0) != 0) continue;
    const size_t digits = line.find_last_not_of("0123456789");
    return std::atoll(line.c_str() + digits + 1);
  }
  return 0;
}

// [N,C,H,W] float -> [N,H,W,C].
inline Tensor nchw_to_nhwc(const Tensor& t) {
  const int64_t n = t.dim(0), c = t.dim(1), h = t.dim(2), w = t.dim(3);
  const float* src = t.data<float>();
  std::vector<float> out(static_cast<size_t>(t.element_count()));
  for (int64_t b = 0; b < n; ++b)
    for (int64_t ch = 0; ch < c; ++ch)
      for (int64_t y = 0; y < h; ++y)
        for (int64_t x = 0; x < w; ++x)
          out[((b * h + y) * w + x) * c + ch] = src[((b * c + ch) * h + y) * w + x];
  return Tensor::FromVector(DType::kF32, {n, h, w, c}, out);
}

// max |a - b| / max |reference|; a huge value when the shapes differ.
inline double relative_difference(const Tensor& a, const Tensor& reference) {
  if (a.shape() != reference.shape()) return 1e30;
  const std::vector<float> x = a.to_f32(), y = reference.to_f32();
  double diff = 0, scale = 0;
  for (size_t i = 0; i < x.size(); ++i) {
    diff = std::max(diff, static_cast<double>(std::fabs(x[i] - y[i])));
    scale = std::max(scale, static_cast<double>(std::fabs(y[i])));
  }
  return scale > 0 ? diff / scale : diff;
}

// Names of the entries of `dir` (to see that a failed command left nothing behind).
inline std::vector<std::string> directory_entries(const std::string& dir) {
  std::vector<std::string> names;
  for (const auto& entry : std::filesystem::directory_iterator(dir))
    names.push_back(entry.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

}  // namespace mconv::test
