#include "quant/range_estimation.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

namespace mconv::quant {
namespace {

// Bin geometry and prefix sums shared by the estimators. Values inside a bin are taken at its
// centre; exact min/max replace the outermost edges so that "no clipping" is exact.
struct BinnedData {
  const Histogram& h;
  int bins = 0;                   // histogram bins
  int half = 0;                   // index of the bin starting at 0
  int lo = 0;                     // first nonzero bin
  int hi = 0;                     // last nonzero bin
  double width = 0;               // bin width
  double total = 0;               // finite elements
  double zeros = 0;               // exact zeros (no rounding error)
  std::vector<double> n, s1, s2;  // prefix sums of count, count*centre, count*centre^2

  explicit BinnedData(const Histogram& histogram) : h(histogram) {
    bins = h.bins();
    half = bins / 2;
    width = h.bin_width();
    total = static_cast<double>(h.count());
    zeros = static_cast<double>(h.zeros());
    const auto& c = h.counts();
    lo = 0;
    while (lo < bins - 1 && c[lo] == 0) ++lo;
    hi = bins - 1;
    while (hi > 0 && c[hi] == 0) --hi;
    n.assign(bins + 1, 0.0);
    s1.assign(bins + 1, 0.0);
    s2.assign(bins + 1, 0.0);
    for (int i = 0; i < bins; ++i) {
      const double k = static_cast<double>(c[i]), x = centre(i);
      n[i + 1] = n[i] + k;
      s1[i + 1] = s1[i] + k * x;
      s2[i + 1] = s2[i] + k * x * x;
    }
  }

  double edge(int i) const { return h.edge(i); }
  double centre(int i) const { return h.edge(i) + 0.5 * width; }

  // Sum over bins [first, last) of count * (centre - t)^2.
  double squared_distance(int first, int last, double t) const {
    if (first >= last) return 0.0;
    const double k = n[last] - n[first], a = s1[last] - s1[first], b = s2[last] - s2[first];
    return std::max(0.0, b - 2.0 * t * a + t * t * k);
  }

  // Lower bound when bins [ia, ...) are kept: the exact minimum when nothing is clipped.
  double lower(int ia) const { return ia <= lo ? std::min<double>(h.min(), 0.0) : edge(ia); }
  // Upper bound when bins [..., ib) are kept.
  double upper(int ib) const { return ib > hi ? std::max<double>(h.max(), 0.0) : edge(ib); }

  // Total squared error when bins [ia, ib) are kept and quantized with `intervals` steps.
  double error(int ia, int ib, int intervals) const {
    const double a = lower(ia), b = upper(ib);
    const double step = (b - a) / intervals;
    const double inside = std::max(0.0, n[ib] - n[ia] - zeros);
    return squared_distance(0, ia, a) + squared_distance(ib, bins, b) + inside * step * step / 12.0;
  }
};

FloatRange clamp_to_data(double a, double b, const Histogram& h) {
  FloatRange r;
  r.min = static_cast<float>(std::clamp<double>(a, h.min(), h.max()));
  r.max = static_cast<float>(std::clamp<double>(b, h.min(), h.max()));
  if (r.min > r.max) std::swap(r.min, r.max);
  return r;
}

// Value below which a share q of the data lies (linear inside bins).
// Exact zeros sit at the bottom of the bin starting at 0, as a point mass.
double quantile(const BinnedData& d, double q) {
  const double target = q * d.n[d.bins];
  int i = d.lo;
  while (i < d.hi && d.n[i + 1] < target) ++i;
  double below = d.n[i], in_bin = d.n[i + 1] - d.n[i];
  if (i == d.half) {
    if (target <= below + d.zeros) return 0.0;
    below += d.zeros;
    in_bin -= d.zeros;
  }
  const double frac = in_bin > 0 ? std::clamp((target - below) / in_bin, 0.0, 1.0) : 0.0;
  return d.edge(i) + frac * d.width;
}

// |x| histogram folded around 0: bin k covers [k*w, (k+1)*w).
std::vector<double> folded_magnitudes(const BinnedData& d, bool positive, bool negative) {
  const auto& c = d.h.counts();
  std::vector<double> out(d.half, 0.0);
  for (int k = 0; k < d.half; ++k) {
    if (positive) out[k] += static_cast<double>(c[d.half + k]);
    if (negative) out[k] += static_cast<double>(c[d.half - 1 - k]);
  }
  return out;
}

FloatRange minmax_range(const Histogram& h, bool symmetric) {
  if (!symmetric) return {h.min(), h.max()};
  const float t = std::max(std::fabs(h.min()), std::fabs(h.max()));
  return {-t, t};
}

FloatRange percentile_range(const BinnedData& d, const RangeOptions& o) {
  const double p = std::clamp(o.percentile, 50.0, 100.0) / 100.0;
  if (o.symmetric) {
    const std::vector<double> mag = folded_magnitudes(d, true, true);
    double total = 0;
    for (double v : mag) total += v;
    double cum = 0, t = 0;
    const double target = p * total;
    for (int k = 0; k < d.half; ++k) {
      if (cum + mag[k] >= target) {
        t = (k + (mag[k] > 0 ? (target - cum) / mag[k] : 0.0)) * d.width;
        break;
      }
      cum += mag[k];
    }
    const double m = std::max(std::fabs(d.h.min()), std::fabs(d.h.max()));
    t = std::min(t, m);
    return {static_cast<float>(-t), static_cast<float>(t)};
  }
  return clamp_to_data(quantile(d, 1.0 - p), quantile(d, p), d.h);
}

FloatRange mse_range(const BinnedData& d, const RangeOptions& o) {
  if (o.symmetric) {
    // Candidates t = edge(ib) for ib in [half, bins], the left cut mirrored at bins - ib.
    const int intervals = std::max(1, o.levels - 2);
    const double m = std::max(std::fabs(d.h.min()), std::fabs(d.h.max()));
    double best = std::numeric_limits<double>::infinity(), best_t = m;
    for (int ib = d.half + 1; ib <= d.bins; ++ib) {
      const double t = std::min(d.edge(ib), m);
      const int ia = d.bins - ib;
      const double step = 2.0 * t / intervals;
      const double inside = std::max(0.0, d.n[ib] - d.n[ia] - d.zeros);
      const double e = d.squared_distance(0, ia, -t) + d.squared_distance(ib, d.bins, t) +
                       inside * step * step / 12.0;
      if (e < best) best = e, best_t = t;
      if (t >= m) break;
    }
    return {static_cast<float>(-best_t), static_cast<float>(best_t)};
  }
  // Asymmetric: lower cut ia in [min(lo, half), half], upper cut ib in [half, max(hi + 1, half)].
  const int intervals = std::max(1, o.levels - 1);
  const int a_first = std::min(d.lo, d.half), a_last = d.half;
  const int b_first = d.half, b_last = std::max(d.hi + 1, d.half);
  double best = std::numeric_limits<double>::infinity();
  int best_a = a_first, best_b = b_last;
  auto consider = [&](int ia, int ib) {
    const double e = d.error(ia, ib, intervals);
    if (e < best) best = e, best_a = ia, best_b = ib;
  };
  // Coarse grid of at most ~256 x 256 candidates (both extremes included), then a full-resolution
  // search around the best coarse point.
  const int a_step = std::max(1, (a_last - a_first) / 256);
  const int b_step = std::max(1, (b_last - b_first) / 256);
  for (int ia = a_first;; ia = std::min(ia + a_step, a_last)) {
    for (int ib = b_last;; ib = std::max(ib - b_step, b_first)) {
      consider(ia, ib);
      if (ib == b_first) break;
    }
    if (ia == a_last) break;
  }
  if (a_step > 1 || b_step > 1) {
    const int ca = best_a, cb = best_b;
    for (int ia = std::max(a_first, ca - a_step); ia <= std::min(a_last, ca + a_step); ++ia)
      for (int ib = std::max(b_first, cb - b_step); ib <= std::min(b_last, cb + b_step); ++ib)
        consider(ia, ib);
  }
  return clamp_to_data(d.lower(best_a), d.upper(best_b), d.h);
}

// KL(P || Q) of the TensorRT calibrator for a threshold after `kept` bins of `hist`, with Q the
// kept bins merged into `levels` groups and spread back over their nonzero bins.
double kl_divergence(const std::vector<double>& hist, int kept, int levels) {
  std::vector<double> p(hist.begin(), hist.begin() + kept);
  double outliers = 0;
  for (size_t k = kept; k < hist.size(); ++k) outliers += hist[k];
  p[kept - 1] += outliers;
  std::vector<double> q(kept, 0.0);
  for (int j = 0; j < levels; ++j) {
    const int first = static_cast<int>(int64_t{j} * kept / levels);
    const int last = static_cast<int>(int64_t{j + 1} * kept / levels);
    double sum = 0;
    int nonzero = 0;
    for (int k = first; k < last; ++k) {
      sum += hist[k];
      nonzero += p[k] != 0;
    }
    if (nonzero == 0) continue;
    for (int k = first; k < last; ++k)
      if (p[k] != 0) q[k] = sum / nonzero;
  }
  double p_total = 0, q_total = 0;
  for (int k = 0; k < kept; ++k) p_total += p[k], q_total += q[k];
  if (p_total <= 0 || q_total <= 0) return std::numeric_limits<double>::infinity();
  // A bin P has and Q lacks (only outliers landed there) costs as if Q held a small epsilon.
  constexpr double kEpsilon = 1e-4;
  double kl = 0;
  for (int k = 0; k < kept; ++k) {
    if (p[k] == 0) continue;
    const double pk = p[k] / p_total;
    const double qk = q[k] > 0 ? q[k] / q_total : kEpsilon / kept;
    kl += pk * std::log(pk / qk);
  }
  return kl;
}

// Largest share of the values the entropy method may clip.
constexpr double kEntropyMaxClipped = 1e-3;

FloatRange entropy_range(const BinnedData& d, const RangeOptions& o) {
  const Histogram& h = d.h;
  const bool one_sided = !o.symmetric && (h.min() >= 0.0f || h.max() <= 0.0f);
  const int levels = one_sided ? std::max(2, o.levels - 1) : std::max(2, o.levels / 2);
  std::vector<double> mag =
      folded_magnitudes(d, h.max() > 0.0f, h.min() < 0.0f || (h.max() <= 0.0f));
  int used = static_cast<int>(mag.size());
  while (used > 0 && mag[used - 1] == 0) --used;
  const double magnitude = std::max(std::fabs(h.min()), std::fabs(h.max()));
  double threshold = magnitude;
  // Merge bins so that at most 2048 remain (TensorRT's resolution), keeping the KL search cheap.
  const int factor = std::max(1, (used + 2047) / 2048);
  std::vector<double> merged((used + factor - 1) / factor, 0.0);
  for (int k = 0; k < used; ++k) merged[k / factor] += mag[k];
  const int count = static_cast<int>(merged.size());
  if (count > levels) {
    const double width = d.width * factor;
    const int step = std::max(1, (count - levels) / 512);
    double best = std::numeric_limits<double>::infinity();
    int best_kept = count;
    for (int kept = levels;; kept = std::min(kept + step, count)) {
      const double kl = kl_divergence(merged, kept, levels);
      if (kl < best) best = kl, best_kept = kept;
      if (kept == count) break;
    }
    threshold = std::min(magnitude, best_kept * width);
    // KL minimisation is blind to a point mass at the top of the range (saturated ReLU6 or gate
    // outputs) and happily clips it away; never clip more than kEntropyMaxClipped of the values.
    double total = 0, cum = 0;
    for (double v : merged) total += v;
    for (int k = 0; k < count; ++k) {
      if (cum + merged[k] >= (1.0 - kEntropyMaxClipped) * total) {
        threshold = std::max(threshold, std::min(magnitude, (k + 1) * width));
        break;
      }
      cum += merged[k];
    }
  }
  if (o.symmetric) return {static_cast<float>(-threshold), static_cast<float>(threshold)};
  return clamp_to_data(-threshold, threshold, h);
}

}  // namespace

std::string_view range_method_name(RangeMethod method) {
  switch (method) {
    case RangeMethod::kMinMax:
      return "minmax";
    case RangeMethod::kPercentile:
      return "percentile";
    case RangeMethod::kMse:
      return "mse";
    case RangeMethod::kEntropy:
      return "entropy";
  }
  return "?";
}

Expected<RangeMethod> range_method_from_name(std::string_view name) {
  for (RangeMethod m :
       {RangeMethod::kMinMax, RangeMethod::kPercentile, RangeMethod::kMse, RangeMethod::kEntropy})
    if (range_method_name(m) == name) return m;
  return Status::Error("unknown calibration range method '" + std::string(name) +
                       "' (expected minmax, percentile, mse or entropy)");
}

FloatRange estimate_range(const Histogram& histogram, const RangeOptions& options) {
  if (histogram.empty()) return {};
  // No bins: every value seen was exactly 0 (or the data is a single point 0).
  if (histogram.counts().empty() || options.method == RangeMethod::kMinMax)
    return minmax_range(histogram, options.symmetric);
  const BinnedData data(histogram);
  switch (options.method) {
    case RangeMethod::kMinMax:
      break;
    case RangeMethod::kPercentile:
      return percentile_range(data, options);
    case RangeMethod::kMse:
      return mse_range(data, options);
    case RangeMethod::kEntropy:
      return entropy_range(data, options);
  }
  return minmax_range(histogram, options.symmetric);
}

double expected_quantization_mse(const Histogram& histogram, FloatRange range, int levels) {
  if (histogram.empty() || histogram.counts().empty()) return 0.0;
  const double a = std::min<double>(range.min, 0.0), b = std::max<double>(range.max, 0.0);
  const double step = (b - a) / std::max(1, levels - 1);
  const auto& c = histogram.counts();
  const double w = histogram.bin_width();
  double clipped = 0, inside = 0;
  for (int i = 0; i < histogram.bins(); ++i) {
    if (c[i] == 0) continue;
    const double x = histogram.edge(i) + 0.5 * w, k = static_cast<double>(c[i]);
    if (x > b) {
      clipped += k * (x - b) * (x - b);
    } else if (x < a) {
      clipped += k * (a - x) * (a - x);
    } else {
      inside += k;
    }
  }
  inside = std::max(0.0, inside - static_cast<double>(histogram.zeros()));
  return (clipped + inside * step * step / 12.0) / static_cast<double>(histogram.count());
}

}  // namespace mconv::quant
