// Metrics against hand-computed values, and on the shared torch outputs (a variant compared with
// its own reference, and with a perturbed copy).
#include "report/metrics.h"

#include <gtest/gtest.h>

#include <cmath>

#include "core/npy.h"
#include "support/test_support.h"

namespace mconv::report {
namespace {

Tensor f32(std::vector<int64_t> shape, std::vector<float> values) {
  return Tensor::FromVector(DType::kF32, std::move(shape), values);
}

TEST(Metrics, ComparisonByHand) {
  Tensor candidate = f32({2, 3}, {1, 2, 3, 3, 2, 1});
  Tensor reference = f32({2, 3}, {1, 2, 4, 1, 2, 3});
  auto c = compare_outputs(candidate, reference);
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_EQ(c->samples, 2);
  EXPECT_DOUBLE_EQ(c->top1_agreement, 0.5);
  const double cos0 = 17 / std::sqrt(14.0 * 21.0), cos1 = 10 / 14.0;
  EXPECT_NEAR(c->cosine_mean, (cos0 + cos1) / 2, 1e-12);
  EXPECT_NEAR(c->cosine_min, cos1, 1e-12);
  EXPECT_DOUBLE_EQ(c->max_abs_diff, 2);

  auto zeros = compare_outputs(f32({1, 2}, {0, 0}), f32({1, 2}, {0, 0}));
  ASSERT_TRUE(zeros.ok());
  EXPECT_DOUBLE_EQ(zeros->cosine_mean, 1);
  auto one_zero = compare_outputs(f32({1, 2}, {0, 0}), f32({1, 2}, {1, 0}));
  EXPECT_DOUBLE_EQ(one_zero->cosine_mean, 0);

  EXPECT_FALSE(
      compare_outputs(f32({2, 3}, {1, 2, 3, 4, 5, 6}), f32({3, 2}, {1, 2, 3, 4, 5, 6})).ok());
  EXPECT_FALSE(compare_outputs(f32({1, 3}, {1, 2, 3}), f32({1, 2}, {1, 2})).ok());
}

TEST(Metrics, TorchOutputsAgainstThemselvesAndAPerturbedCopy) {
  const std::string path = test::shared_models_dir() + "/mobilenet_v3_small_op17.torch_output.npy";
  MCONV_REQUIRE_SHARED_FILE(path);
  auto reference = read_npy(path);
  ASSERT_TRUE(reference.ok());
  auto same = compare_outputs(*reference, *reference);
  ASSERT_TRUE(same.ok());
  EXPECT_DOUBLE_EQ(same->top1_agreement, 1);
  EXPECT_NEAR(same->cosine_min, 1, 1e-12);
  EXPECT_EQ(same->max_abs_diff, 0);
  // Moving one logit of sample 1 above every other changes its top-1 and the cosine a little.
  Tensor moved = *reference;
  float* v = moved.data<float>();
  float best = v[1000];
  for (int i = 1; i < 1000; ++i) best = std::max(best, v[1000 + i]);
  const int target = reference->values<float>()[1000] == best ? 1 : 0;
  v[1000 + target] = best + 1;
  auto c = compare_outputs(moved, *reference);
  ASSERT_TRUE(c.ok());
  EXPECT_DOUBLE_EQ(c->top1_agreement, 0.5);
  EXPECT_LT(c->cosine_min, 1);
  EXPECT_GT(c->cosine_min, 0.9);
  EXPECT_NEAR(c->max_abs_diff, best + 1 - reference->values<float>()[1000 + target], 1e-5);
}

TEST(Metrics, AccuracyTop1Top5AndClassOffset) {
  // Sample 0: best class 4; sample 1: label ranked 3rd; sample 2: label ranked 6th.
  Tensor scores = f32({3, 7}, {0, 1, 2, 3, 9, 5, 6,  //
                               9, 8, 7, 0, 0, 0, 0,  //
                               6, 5, 4, 3, 2, 1, 0});
  auto acc = accuracy(scores, {4, 2, 5});
  ASSERT_TRUE(acc.ok()) << acc.status().message();
  EXPECT_EQ(acc->samples, 3);
  EXPECT_DOUBLE_EQ(acc->top1, 1.0 / 3);
  EXPECT_DOUBLE_EQ(acc->top5, 2.0 / 3);
  // 1001-class style: index 0 is background, label k is column k + 1.
  auto shifted = accuracy(scores, {3, 1, 4}, 1);
  ASSERT_TRUE(shifted.ok());
  EXPECT_DOUBLE_EQ(shifted->top1, 1.0 / 3);
  EXPECT_DOUBLE_EQ(shifted->top5, 2.0 / 3);
  EXPECT_FALSE(accuracy(scores, {4, 2}).ok());
  EXPECT_FALSE(accuracy(scores, {4, 2, 7}).ok());
}

TEST(Metrics, LatencyPercentilesByNearestRank) {
  std::vector<double> times;
  for (int i = 100; i >= 1; --i) times.push_back(i);
  LatencySummary s = summarize_latency(times);
  EXPECT_EQ(s.runs, 100);
  EXPECT_DOUBLE_EQ(s.mean_ms, 50.5);
  EXPECT_DOUBLE_EQ(s.p50_ms, 50);
  EXPECT_DOUBLE_EQ(s.p90_ms, 90);
  EXPECT_DOUBLE_EQ(s.p99_ms, 99);
  EXPECT_DOUBLE_EQ(s.min_ms, 1);
  EXPECT_DOUBLE_EQ(s.max_ms, 100);
  LatencySummary three = summarize_latency({3, 1, 2});
  EXPECT_DOUBLE_EQ(three.p50_ms, 2);
  EXPECT_DOUBLE_EQ(three.p99_ms, 3);
  EXPECT_EQ(summarize_latency({}).runs, 0);
}

TEST(Metrics, DequantizeAndSetMetrics) {
  Tensor q = Tensor::FromVector(DType::kU8, {1, 3}, std::vector<uint8_t>{0, 128, 255});
  Tensor real = dequantize(q, 1.f / 256, 0);
  EXPECT_EQ(real.dtype(), DType::kF32);
  EXPECT_FLOAT_EQ(real.values<float>()[1], 0.5f);
  Tensor i8 = Tensor::FromVector(DType::kI8, {2}, std::vector<int8_t>{-128, 127});
  EXPECT_FLOAT_EQ(dequantize(i8, 0.5f, -128).values<float>()[1], 127.5f);

  VariantReport v;
  OutputComparison c{.samples = 4,
                     .top1_agreement = 0.75,
                     .cosine_mean = 0.99,
                     .cosine_min = 0.9,
                     .max_abs_diff = 0.1};
  set_metrics(v, c, Accuracy{.samples = 4, .top1 = 0.5, .top5 = 1});
  EXPECT_EQ(v.samples, 4);
  EXPECT_EQ(*v.top1_agreement, 0.75);
  EXPECT_EQ(*v.cosine, 0.99);
  EXPECT_EQ(*v.top5, 1);
  VariantReport no_labels;
  set_metrics(no_labels, c);
  EXPECT_FALSE(no_labels.top1.has_value());
}

}  // namespace
}  // namespace mconv::report
