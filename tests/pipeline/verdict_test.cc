// judge_runs, the one verdict of `mconv convert` and `mconv verify`, on hand-made outputs whose
// agreement and cosine are known: the main runtime's metrics, a second runtime's misses named,
// refusals and incomparable outputs as FAILED reasons.
#include "pipeline/verdict.h"

#include <gtest/gtest.h>

namespace mconv::pipeline {
namespace {

Tensor scores(std::vector<float> v, int64_t n) {
  const int64_t c = static_cast<int64_t>(v.size()) / n;
  return Tensor::FromVector(DType::kF32, {n, c}, v);
}

TEST(Verdict, IdenticalOutputsPassWithTheMainRuntimesMetrics) {
  const Tensor reference = scores({1, 0, 0, 0, 2, 1}, 2);
  const Expected<RunResult> run = RunResult{reference, "onnxruntime", 0};
  const Judgement j = judge_runs({{"", "", &run, &reference}}, default_tolerance(Precision::kFp32));
  EXPECT_TRUE(j.passed()) << j.reason();
  ASSERT_TRUE(j.comparison);
  EXPECT_EQ(j.comparison->samples, 2);
  EXPECT_DOUBLE_EQ(j.comparison->top1_agreement, 1.0);
  EXPECT_NEAR(j.comparison->cosine_mean, 1.0, 1e-12);
}

TEST(Verdict, EachRuntimesMissesAreNamedAndJoined) {
  const Tensor reference = scores({1, 0, 0, 0, 2, 1}, 2);
  // Main runtime: sample 1's top class differs (agreement 50%), cosine well below fp32's 0.9999.
  const Expected<RunResult> run = RunResult{scores({1, 0, 0, 0, 1, 2}, 2), "tflite", 0};
  // Second runtime on the first sample only: refuses the file.
  const Expected<RunResult> lite = Status::Error("unsupported op FOO");
  const Tensor first = scores({1, 0, 0}, 1);
  const Judgement j =
      judge_runs({{"", "", &run, &reference}, {"LiteRT", "on 1 images", &lite, &first}},
                 default_tolerance(Precision::kFp32));
  EXPECT_FALSE(j.passed());
  ASSERT_EQ(j.misses.size(), 3u) << j.reason();
  EXPECT_EQ(j.misses[0].rfind("top-1 agreement 50.0% < 99.0%", 0), 0u) << j.misses[0];
  EXPECT_EQ(j.misses[1].rfind("cosine ", 0), 0u) << j.misses[1];
  EXPECT_EQ(j.misses[2], "LiteRT refused it: unsupported op FOO");
  EXPECT_EQ(j.reason(), j.misses[0] + "; " + j.misses[1] + "; " + j.misses[2]);
  ASSERT_TRUE(j.comparison);
  EXPECT_DOUBLE_EQ(j.comparison->top1_agreement, 0.5);

  // The same outputs from the second runtime: its misses carry its name and scope.
  const Expected<RunResult> lite_run = RunResult{scores({0, 1, 0}, 1), "LiteRT", 0};
  const Judgement k =
      judge_runs({{"", "", &run, &reference}, {"LiteRT", "on 1 images", &lite_run, &first}},
                 default_tolerance(Precision::kInt8));
  ASSERT_FALSE(k.passed());
  EXPECT_EQ(k.misses.back().rfind("LiteRT on 1 images: ", 0), 0u) << k.reason();
  ASSERT_TRUE(k.comparisons.at(1));
  EXPECT_DOUBLE_EQ(k.comparisons[1]->top1_agreement, 0.0);
}

TEST(Verdict, RefusalAndIncomparableOutputsAreFailedNotErrors) {
  const Tensor reference = scores({1, 0, 0, 0, 2, 1}, 2);
  const Expected<RunResult> refused = Status::Error("XNNPACK refused the graph");
  const Judgement a =
      judge_runs({{"", "", &refused, &reference}}, default_tolerance(Precision::kFp16));
  EXPECT_FALSE(a.passed());
  EXPECT_FALSE(a.comparison);
  EXPECT_EQ(a.reason(), "does not run: XNNPACK refused the graph");

  const Expected<RunResult> wrong = RunResult{scores({1, 0, 0, 0}, 2), "ort", 0};  // 2 classes
  const Judgement b =
      judge_runs({{"", "", &wrong, &reference}}, default_tolerance(Precision::kFp32));
  EXPECT_FALSE(b.passed());
  EXPECT_EQ(b.reason().rfind("outputs not comparable: ", 0), 0u) << b.reason();
}

}  // namespace
}  // namespace mconv::pipeline
