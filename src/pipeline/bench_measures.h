// What `mconv bench` measures besides time, as library calls: the process's peak resident memory,
// and the seeded random inputs a model is benchmarked on (its own input signature).
#pragma once

#include <cstdint>
#include <random>
#include <vector>

#include "core/status.h"
#include "core/tensor.h"

namespace mconv::pipeline {

// VmHWM of this process in bytes (0 when /proc is unavailable).
int64_t peak_rss_bytes();
// Resets VmHWM to the current RSS so each model's peak is its own (Linux >= 4.0); false when
// the kernel refuses, in which case peaks are cumulative over the models benchmarked so far.
bool reset_peak_rss();
// A seeded random tensor of `dtype` and `shape` (dynamic dims as 1): f32/f16 uniform in [-1, 1),
// int8/uint8 over their whole range, int32/int64 in 0..9.
Expected<Tensor> random_tensor(DType dtype, std::vector<int64_t> shape, std::mt19937_64& rng);

}  // namespace mconv::pipeline
