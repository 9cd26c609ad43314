#include "quant/histogram.h"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <limits>

namespace mconv::quant {

Histogram::Histogram(int bins) : bins_(bins) {
  assert(bins > 0 && bins % 4 == 0);
}

void Histogram::grow_to_cover(double magnitude, uint64_t zeros_not_binned) {
  int exponent = 0;
  std::frexp(magnitude, &exponent);  // magnitude in [2^(e-1), 2^e): 2^e is strictly above it
  const double needed = std::ldexp(1.0, exponent);
  if (limit_ == 0.0) {
    // First bins: everything seen before was exactly zero and belongs to the bin [0, width).
    limit_ = needed;
    counts_.assign(bins_, 0);
    counts_[bins_ / 2] = zeros_not_binned;
    return;
  }
  int times = 0;
  for (double l = limit_; l < needed; l *= 2) ++times;
  if (times > 0) coarsen(times);
}

void Histogram::coarsen(int times) {
  // Bin i sits at offset j = i - bins/2 from the centre; after doubling `times` times it lands in
  // offset floor(j / 2^times). Arithmetic right shift is floor division for negative j too.
  std::vector<uint64_t> merged(bins_, 0);
  const int half = bins_ / 2;
  const int shift = std::min(times, 30);
  for (int i = 0; i < bins_; ++i) {
    if (counts_[i] == 0) continue;
    const int j = (i - half) >> shift;
    merged[half + j] += counts_[i];
  }
  counts_.swap(merged);
  limit_ = std::ldexp(limit_, times);
}

void Histogram::add(std::span<const float> data) {
  if (data.empty()) return;
  // Pass 1: exact statistics and the magnitude the bins must cover.
  float lo = std::numeric_limits<float>::infinity(), hi = -lo;
  uint64_t zeros = 0, nonfinite = 0;
  for (float x : data) {
    if (!std::isfinite(x)) {
      ++nonfinite;
      continue;
    }
    lo = std::min(lo, x);
    hi = std::max(hi, x);
    zeros += x == 0.0f;
  }
  const uint64_t finite = data.size() - nonfinite;
  nonfinite_ += nonfinite;
  if (finite == 0) return;
  const uint64_t seen_before = count_;
  min_ = count_ == 0 ? lo : std::min(min_, lo);
  max_ = count_ == 0 ? hi : std::max(max_, hi);
  count_ += finite;
  zeros_ += zeros;
  const double magnitude = std::max(std::fabs(double(lo)), std::fabs(double(hi)));
  if (magnitude > 0.0 && magnitude >= limit_) grow_to_cover(magnitude, seen_before);
  if (limit_ == 0.0) return;  // all zeros so far: no bins yet (count_ and zeros_ record them)
  // Pass 2: binning. offset in [0, bins) for x in [-limit, limit); float rounding at the top edge
  // is clamped.
  const float inv_width = static_cast<float>(bins_ / (2.0 * limit_));
  const float centre = static_cast<float>(bins_ / 2);
  const int last = bins_ - 1;
  uint64_t* counts = counts_.data();
  if (nonfinite == 0) {
    for (float x : data) {
      const int i = static_cast<int>(x * inv_width + centre);
      ++counts[std::clamp(i, 0, last)];
    }
  } else {
    for (float x : data) {
      if (!std::isfinite(x)) continue;
      const int i = static_cast<int>(x * inv_width + centre);
      ++counts[std::clamp(i, 0, last)];
    }
  }
}

void Histogram::merge(const Histogram& other) {
  assert(other.bins_ == bins_);
  nonfinite_ += other.nonfinite_;
  if (other.count_ == 0) return;
  const uint64_t seen_before = count_;
  min_ = count_ == 0 ? other.min_ : std::min(min_, other.min_);
  max_ = count_ == 0 ? other.max_ : std::max(max_, other.max_);
  count_ += other.count_;
  zeros_ += other.zeros_;
  if (other.limit_ == 0.0) {  // the other side saw only zeros
    if (limit_ > 0.0) counts_[bins_ / 2] += other.count_;
    return;
  }
  // Bring this histogram to at least the other's limit (limit / 2 maps to exactly limit), then
  // add the other's bins, coarsened to our limit when theirs is finer.
  grow_to_cover(other.limit_ / 2, seen_before);
  if (other.limit_ == limit_) {
    for (int i = 0; i < bins_; ++i) counts_[i] += other.counts_[i];
    return;
  }
  Histogram coarse = other;
  coarse.grow_to_cover(limit_ / 2, 0);
  for (int i = 0; i < bins_; ++i) counts_[i] += coarse.counts_[i];
}

}  // namespace mconv::quant
