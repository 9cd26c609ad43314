// The distribution of one float tensor over a calibration run, in one pass and bounded memory.
//
// Why this design (single pass, power-of-two ranges): a two-pass scheme (min/max first, then fixed
// histograms) runs the whole model twice, and the pipeline budget is tight. A single pass needs a
// range that grows as data arrives, like ONNX Runtime's HistogramCollector; here the binned range
// is always [-limit, limit) with `limit` a power of two strictly above max|x|. When data exceeds
// it, the limit doubles (or more) and pairs of adjacent bins merge. Because 0 and every bin edge
// of a finer histogram are also edges of the coarser ones, coarsening is exact: the final
// histogram is the same whatever the order of the data, and histograms filled by different
// threads merge exactly (merge() coarsens the finer one first). The price: max|x| may sit anywhere
// in (limit/2, limit), so at worst half of each side's bins are used (bins/4 over [0, max]).
// Exact min, max, element count and the number of exact zeros (free of rounding error after
// quantization, which matters for ReLU outputs) are kept beside the bins.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

namespace mconv::quant {

class Histogram {
 public:
  // Default resolution: 8192 bins over [-limit, limit), >= 2048 bins over [0, max|x|].
  static constexpr int kDefaultBins = 8192;

  // `bins` must be a positive multiple of 4 (kept so that both halves coarsen evenly).
  explicit Histogram(int bins = kDefaultBins);

  // Adds every element; NaN and infinities are counted in nonfinite() and otherwise ignored.
  void add(std::span<const float> data);
  // Adds another histogram of the same bin count (as if its data had been added here).
  void merge(const Histogram& other);

  int bins() const { return bins_; }
  // Half-width of the binned range: a power of two > max|x|, 0 while no nonzero data was seen.
  double limit() const { return limit_; }
  double bin_width() const { return limit_ > 0 ? 2.0 * limit_ / bins_ : 0.0; }
  // Lower edge of bin i (i in [0, bins]); bin i covers [edge(i), edge(i + 1)).
  double edge(int i) const { return -limit_ + i * bin_width(); }
  // Counts per bin; empty until a nonzero finite value was seen (all-zero data has no bins).
  const std::vector<uint64_t>& counts() const { return counts_; }

  uint64_t count() const { return count_; }          // finite elements seen
  uint64_t zeros() const { return zeros_; }          // elements exactly 0 (+0 or -0)
  uint64_t nonfinite() const { return nonfinite_; }  // NaN / +-inf elements skipped
  float min() const { return min_; }                 // smallest finite element (0 when empty)
  float max() const { return max_; }                 // largest finite element (0 when empty)
  bool empty() const { return count_ == 0; }

 private:
  // Makes limit_ at least the power of two strictly above `magnitude` (finite, > 0). When the
  // bins are first allocated, `zeros_not_binned` earlier elements (all exactly 0) join bin [0, w).
  void grow_to_cover(double magnitude, uint64_t zeros_not_binned);
  // Doubles the limit `times` times, merging bins accordingly.
  void coarsen(int times);

  int bins_;                      // number of bins over [-limit_, limit_)
  double limit_ = 0.0;            // power of two, 0 = no bins yet
  std::vector<uint64_t> counts_;  // bins_ counters, allocated with the first nonzero value
  uint64_t count_ = 0;            // finite elements added
  uint64_t zeros_ = 0;            // of which exactly zero
  uint64_t nonfinite_ = 0;        // NaN/inf elements skipped
  float min_ = 0.0f;              // exact minimum of finite elements
  float max_ = 0.0f;              // exact maximum of finite elements
};

}  // namespace mconv::quant
