// Choosing the real range [min, max] an activation is quantized over, from its calibration
// histogram. Clipping rare outliers buys resolution for the bulk of the values; the methods differ
// in how they trade the two:
//   minmax      the observed range, no clipping.
//   percentile  each tail cut at a percentile (e.g. 99.99: lower bound at the 0.01th percentile,
//               upper bound at the 99.99th), bins interpolated linearly.
//   mse         the range minimising the expected squared error of int8 quantization over the
//               histogram: clipping error of the values outside plus uniform rounding noise
//               (step^2 / 12) for those inside, where exact zeros count as error-free (they stay
//               exact under a nudged zero point, which matters for ReLU outputs).
//   entropy     TensorRT-style: the |x| threshold minimising KL(P || Q) between the clipped
//               distribution P and its quantized version Q (128 levels per side; 255 when the
//               data is one-sided), never clipping more than 0.1% of the values (KL alone cuts
//               away point masses at the top, e.g. saturated ReLU6 outputs).
// Every method returns a range inside [histogram.min(), histogram.max()]; callers widen it to
// include 0 when choosing the zero point (quant_params.h).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/status.h"
#include "quant/histogram.h"

namespace mconv::quant {

enum class RangeMethod : uint8_t { kMinMax, kPercentile, kMse, kEntropy };

// "minmax", "percentile", "mse", "entropy".
std::string_view range_method_name(RangeMethod method);
// Inverse of range_method_name; the error lists the valid names.
Expected<RangeMethod> range_method_from_name(std::string_view name);

struct RangeOptions {
  RangeMethod method = RangeMethod::kPercentile;  // how to pick the range (see above)
  double percentile = 99.99;  // kPercentile: kept share of each tail, in (50, 100]
  bool symmetric = false;     // search ranges [-t, t] (symmetric int8) instead of [a, b]
  int levels = 256;           // quantization levels of the target type (256 for int8)
};

// A closed real interval [min, max].
struct FloatRange {
  float min = 0.0f;  // lower bound
  float max = 0.0f;  // upper bound
  bool operator==(const FloatRange&) const = default;
};

// The range chosen by `options` for the data in `histogram` (empty histogram: [0, 0]).
FloatRange estimate_range(const Histogram& histogram, const RangeOptions& options);

// Expected squared quantization error per element of `histogram` when quantizing over `range`
// with `levels` levels (the quantity the mse method minimises); exposed for tests and reports.
double expected_quantization_mse(const Histogram& histogram, FloatRange range, int levels = 256);

}  // namespace mconv::quant
