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
#include "support/test_tensors.h"

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

// max |a - b| / max |reference|; a huge value when the shapes differ.
inline double relative_difference(const Tensor& a, const Tensor& reference) {
  if (a.shape() != reference.shape()) return 1e30;
  return relative_diff(a.to_f32(), reference.to_f32());
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
