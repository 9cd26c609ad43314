// Histograms and range estimators on synthetic distributions with known answers.
#include "quant/range_estimation.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>
#include <vector>

#include "quant/histogram.h"

namespace mconv::quant {
namespace {

std::vector<float> gaussian(int n, float mean, float stddev, uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> dist(mean, stddev);
  std::vector<float> v(n);
  for (float& x : v) x = dist(rng);
  return v;
}

// Standard normal bulk plus a few large outliers on both sides.
std::vector<float> gaussian_with_outliers() {
  std::vector<float> v = gaussian(200000, 0.0f, 1.0f, 1);
  for (int i = 0; i < 10; ++i) {
    v.push_back(40.0f + i);
    v.push_back(-30.0f - i);
  }
  return v;
}

TEST(Histogram, TracksExactStatistics) {
  Histogram h(64);
  const std::vector<float> data = {0.0f, -0.0f, 1.5f, -2.25f, 0.0f, 3.0f};
  h.add(data);
  EXPECT_EQ(h.count(), 6u);
  EXPECT_EQ(h.zeros(), 3u);
  EXPECT_EQ(h.min(), -2.25f);
  EXPECT_EQ(h.max(), 3.0f);
  EXPECT_EQ(h.limit(), 4.0);  // smallest power of two above 3
  uint64_t total = 0;
  for (uint64_t c : h.counts()) total += c;
  EXPECT_EQ(total, 6u);
}

TEST(Histogram, SkipsNonFiniteValues) {
  Histogram h(64);
  const std::vector<float> data = {1.0f, std::numeric_limits<float>::quiet_NaN(),
                                   std::numeric_limits<float>::infinity(), -1.0f};
  h.add(data);
  EXPECT_EQ(h.count(), 2u);
  EXPECT_EQ(h.nonfinite(), 2u);
  EXPECT_EQ(h.max(), 1.0f);
  EXPECT_EQ(h.limit(), 2.0);
}

TEST(Histogram, ZerosBeforeFirstNonzeroAreBinned) {
  Histogram h(64);
  const std::vector<float> zeros(10, 0.0f), ones(5, 1.0f);
  h.add(zeros);
  EXPECT_TRUE(h.counts().empty());
  h.add(ones);
  ASSERT_EQ(h.counts().size(), 64u);
  EXPECT_EQ(h.counts()[32], 10u);  // bin [0, w)
  EXPECT_EQ(h.count(), 15u);
}

TEST(Histogram, GrowingRangeGivesSameBinsAsOnePass) {
  // Data in increasing magnitude forces several re-binnings; the result must equal binning all
  // the data at the final range directly, and splitting the data across "threads" then merging.
  std::vector<float> small = gaussian(5000, 0.1f, 0.2f, 2);
  std::vector<float> mid = gaussian(5000, -1.0f, 3.0f, 3);
  std::vector<float> large = gaussian(5000, 5.0f, 40.0f, 4);
  Histogram grown(256), merged_a(256), merged_b(256), direct(256);
  grown.add(small);
  grown.add(mid);
  grown.add(large);
  std::vector<float> all = small;
  all.insert(all.end(), mid.begin(), mid.end());
  all.insert(all.end(), large.begin(), large.end());
  std::vector<float> reversed(all.rbegin(), all.rend());
  direct.add(reversed);  // largest values first: no re-binning at all
  merged_a.add(small);
  merged_b.add(large);
  merged_b.add(mid);
  merged_a.merge(merged_b);
  EXPECT_EQ(grown.limit(), direct.limit());
  EXPECT_EQ(grown.counts(), direct.counts());
  EXPECT_EQ(merged_a.limit(), direct.limit());
  EXPECT_EQ(merged_a.counts(), direct.counts());
  EXPECT_EQ(merged_a.min(), direct.min());
  EXPECT_EQ(merged_a.max(), direct.max());
  EXPECT_EQ(merged_a.count(), direct.count());
}

TEST(RangeMethod, NamesRoundTrip) {
  for (const char* name : {"minmax", "percentile", "mse", "entropy"}) {
    auto m = range_method_from_name(name);
    ASSERT_TRUE(m.ok()) << name;
    EXPECT_EQ(range_method_name(*m), name);
  }
  EXPECT_FALSE(range_method_from_name("kl").ok());
}

TEST(EstimateRange, MinMaxIsTheObservedRange) {
  Histogram h;
  const std::vector<float> data = gaussian_with_outliers();
  h.add(data);
  const FloatRange r = estimate_range(h, {.method = RangeMethod::kMinMax});
  EXPECT_EQ(r.min, *std::min_element(data.begin(), data.end()));
  EXPECT_EQ(r.max, *std::max_element(data.begin(), data.end()));
  EXPECT_EQ(r.max, 49.0f);
  EXPECT_EQ(r.min, -39.0f);
}

TEST(EstimateRange, PercentileMatchesGaussianQuantiles) {
  Histogram h;
  const std::vector<float> data = gaussian(400000, 0.0f, 1.0f, 5);
  h.add(data);
  // 99th percentile of N(0,1) is 2.326; 1st is -2.326.
  const FloatRange r = estimate_range(h, {.method = RangeMethod::kPercentile, .percentile = 99.0});
  EXPECT_NEAR(r.max, 2.326f, 0.03f);
  EXPECT_NEAR(r.min, -2.326f, 0.03f);
}

TEST(EstimateRange, PercentileAndEntropyIgnoreOutliers) {
  Histogram h;
  h.add(gaussian_with_outliers());
  for (RangeMethod m : {RangeMethod::kPercentile, RangeMethod::kEntropy}) {
    const FloatRange r = estimate_range(h, {.method = m});
    SCOPED_TRACE(std::string(range_method_name(m)));
    // The bulk N(0,1) extends to ~4.5 sigma over 200k samples; the outliers start at 30 / 40.
    EXPECT_LT(r.max, 10.0f);
    EXPECT_GT(r.max, 2.0f);
    EXPECT_GT(r.min, -10.0f);
    EXPECT_LT(r.min, -2.0f);
  }
}

TEST(EstimateRange, MseKeepsFarOutliersThatCostMoreThanTheyWaste) {
  // 20 values at 30-49 sigma: clipping any of them costs ~1000 each in squared error, more than
  // the rounding noise min/max wastes on the 200k others, so the MSE range keeps nearly all.
  Histogram h;
  h.add(gaussian_with_outliers());
  const FloatRange r = estimate_range(h, {.method = RangeMethod::kMse});
  EXPECT_GT(r.max, 40.0f);
  EXPECT_LT(r.min, -30.0f);
}

TEST(EstimateRange, MseClipsHeavyTails) {
  // Laplace(0, 1): the MSE-optimal clip for 16 levels (4 bits) is ~5 (Banner et al. 2019);
  // min/max would sit near +-12 for 200k samples.
  std::mt19937 rng(21);
  std::exponential_distribution<float> e(1.0f);
  std::bernoulli_distribution sign(0.5);
  std::vector<float> v(200000);
  for (float& x : v) x = sign(rng) ? e(rng) : -e(rng);
  Histogram h;
  h.add(v);
  const FloatRange r = estimate_range(h, {.method = RangeMethod::kMse, .levels = 16});
  EXPECT_GT(r.max, 4.0f);
  EXPECT_LT(r.max, 6.5f);
  EXPECT_LT(r.min, -4.0f);
  EXPECT_GT(r.min, -6.5f);
  EXPECT_GT(h.max(), 10.0f);
}

TEST(EstimateRange, MseIsOptimalOnItsOwnObjective) {
  Histogram h;
  h.add(gaussian_with_outliers());
  const FloatRange minmax = estimate_range(h, {.method = RangeMethod::kMinMax});
  const FloatRange mse = estimate_range(h, {.method = RangeMethod::kMse});
  const FloatRange pct = estimate_range(h, {.method = RangeMethod::kPercentile});
  const double e_minmax = expected_quantization_mse(h, minmax);
  const double e_mse = expected_quantization_mse(h, mse);
  const double e_pct = expected_quantization_mse(h, pct);
  EXPECT_LE(e_mse, e_minmax * 1.001);
  EXPECT_LE(e_mse, e_pct * 1.001);
  EXPECT_LT(e_mse, e_pct / 2);  // percentile clips the far outliers, which costs far more
  // Nearby ranges are no better (a local minimum at the bin resolution).
  for (float f : {0.9f, 1.1f}) {
    EXPECT_LE(e_mse, expected_quantization_mse(h, {mse.min * f, mse.max}) * 1.001);
    EXPECT_LE(e_mse, expected_quantization_mse(h, {mse.min, mse.max * f}) * 1.001);
  }
}

TEST(EstimateRange, MseOnUniformDataKeepsTheFullRange) {
  // Uniform data has no tails worth clipping: any cut costs more than it saves.
  std::mt19937 rng(9);
  std::uniform_real_distribution<float> dist(-1.0f, 3.0f);
  std::vector<float> v(100000);
  for (float& x : v) x = dist(rng);
  Histogram h;
  h.add(v);
  const FloatRange r = estimate_range(h, {.method = RangeMethod::kMse});
  EXPECT_NEAR(r.min, -1.0f, 0.03f);
  EXPECT_NEAR(r.max, 3.0f, 0.03f);
}

TEST(EstimateRange, ReluOutputsKeepZeroAsLowerBound) {
  // Half exact zeros, half |N(0,1)| and five outliers: every method keeps min 0; percentile and
  // entropy clip the outliers, MSE keeps them (each would cost more than the noise it saves).
  std::vector<float> v = gaussian(100000, 0.0f, 1.0f, 11);
  for (float& x : v) x = std::max(x, 0.0f);
  for (int i = 0; i < 5; ++i) v.push_back(20.0f + i);
  Histogram h;
  h.add(v);
  EXPECT_GT(h.zeros(), 45000u);
  for (RangeMethod m : {RangeMethod::kPercentile, RangeMethod::kMse, RangeMethod::kEntropy}) {
    SCOPED_TRACE(std::string(range_method_name(m)));
    const FloatRange r = estimate_range(h, {.method = m});
    EXPECT_EQ(r.min, 0.0f);
    EXPECT_GT(r.max, 2.5f);
    if (m != RangeMethod::kMse) EXPECT_LT(r.max, 8.0f);
  }
  EXPECT_GE(estimate_range(h, {.method = RangeMethod::kMse}).max, 20.0f);
}

TEST(EstimateRange, SymmetricRangesAreSymmetric) {
  Histogram h;
  h.add(gaussian(50000, 1.0f, 1.0f, 12));
  for (RangeMethod m :
       {RangeMethod::kMinMax, RangeMethod::kPercentile, RangeMethod::kMse, RangeMethod::kEntropy}) {
    const FloatRange r = estimate_range(h, {.method = m, .symmetric = true});
    EXPECT_EQ(r.min, -r.max) << range_method_name(m);
    EXPECT_GT(r.max, 2.0f) << range_method_name(m);
  }
}

TEST(EstimateRange, DegenerateData) {
  Histogram empty;
  EXPECT_EQ(estimate_range(empty, {}), (FloatRange{0.0f, 0.0f}));
  Histogram zeros;
  zeros.add(std::vector<float>(100, 0.0f));
  for (RangeMethod m :
       {RangeMethod::kMinMax, RangeMethod::kPercentile, RangeMethod::kMse, RangeMethod::kEntropy})
    EXPECT_EQ(estimate_range(zeros, {.method = m}), (FloatRange{0.0f, 0.0f}));
  Histogram constant;
  constant.add(std::vector<float>(100, 2.5f));
  for (RangeMethod m :
       {RangeMethod::kMinMax, RangeMethod::kPercentile, RangeMethod::kMse, RangeMethod::kEntropy}) {
    const FloatRange r = estimate_range(constant, {.method = m});
    EXPECT_EQ(r.max, 2.5f) << range_method_name(m);
  }
}

}  // namespace
}  // namespace mconv::quant
