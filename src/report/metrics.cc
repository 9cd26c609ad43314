#include "report/metrics.h"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace mconv::report {

namespace {

// Index of the largest score (the first one on ties, like numpy.argmax).
int64_t argmax(const float* scores, int64_t count) {
  return std::max_element(scores, scores + count) - scores;
}

double nearest_rank(const std::vector<double>& sorted, double p) {
  const double rank = std::ceil(p / 100 * sorted.size());
  const size_t index = static_cast<size_t>(std::clamp(rank - 1, 0.0, sorted.size() - 1.0));
  return sorted[index];
}

}  // namespace

Expected<OutputComparison> compare_outputs(const Tensor& candidate, const Tensor& reference) {
  if (candidate.rank() == 0 || reference.rank() == 0 || candidate.dim(0) != reference.dim(0) ||
      candidate.element_count() != reference.element_count() || candidate.dim(0) <= 0)
    return Status::Error("cannot compare outputs " + candidate.describe() + " and " +
                         reference.describe() + " (need the same samples and elements)");
  const std::vector<float> a = candidate.to_f32(), b = reference.to_f32();
  OutputComparison c;
  c.samples = candidate.dim(0);
  const int64_t per_sample = candidate.element_count() / c.samples;
  int64_t agree = 0;
  double cosine_sum = 0;
  c.cosine_min = 1;
  for (int64_t s = 0; s < c.samples; ++s) {
    const float* x = a.data() + s * per_sample;
    const float* y = b.data() + s * per_sample;
    agree += argmax(x, per_sample) == argmax(y, per_sample);
    double dot = 0, xx = 0, yy = 0;
    for (int64_t i = 0; i < per_sample; ++i) {
      dot += static_cast<double>(x[i]) * y[i];
      xx += static_cast<double>(x[i]) * x[i];
      yy += static_cast<double>(y[i]) * y[i];
      c.max_abs_diff = std::max(c.max_abs_diff, static_cast<double>(std::abs(x[i] - y[i])));
    }
    const double cosine = xx == 0 && yy == 0   ? 1.0
                          : xx == 0 || yy == 0 ? 0.0
                                               : dot / (std::sqrt(xx) * std::sqrt(yy));
    cosine_sum += cosine;
    c.cosine_min = std::min(c.cosine_min, cosine);
  }
  c.top1_agreement = static_cast<double>(agree) / c.samples;
  c.cosine_mean = cosine_sum / c.samples;
  return c;
}

Tensor dequantize(const Tensor& quantized, float scale, int64_t zero_point) {
  std::vector<float> values = quantized.to_f32();
  for (float& v : values) v = scale * (v - static_cast<float>(zero_point));
  return Tensor::FromVector(DType::kF32, quantized.shape(), values);
}

Expected<Accuracy> accuracy(const Tensor& scores, const std::vector<int64_t>& labels,
                            int class_offset) {
  if (scores.rank() != 2 || scores.dim(0) != static_cast<int64_t>(labels.size()))
    return Status::Error("accuracy: scores " + scores.describe() + " do not match " +
                         std::to_string(labels.size()) + " labels");
  const int64_t n = scores.dim(0), classes = scores.dim(1);
  const std::vector<float> v = scores.to_f32();
  Accuracy acc;
  acc.samples = n;
  int64_t top1 = 0, top5 = 0;
  std::vector<int64_t> order(classes);
  for (int64_t s = 0; s < n; ++s) {
    const int64_t label = labels[s] + class_offset;
    if (label < 0 || label >= classes)
      return Status::Error("accuracy: label " + std::to_string(labels[s]) + " of sample " +
                           std::to_string(s) + " is outside " + std::to_string(classes) +
                           " classes");
    const float* row = v.data() + s * classes;
    std::iota(order.begin(), order.end(), 0);
    const int64_t k = std::min<int64_t>(5, classes);
    std::partial_sort(order.begin(), order.begin() + k, order.end(), [&](int64_t x, int64_t y) {
      return row[x] > row[y] || (row[x] == row[y] && x < y);
    });
    top1 += order[0] == label;
    top5 += std::find(order.begin(), order.begin() + k, label) != order.begin() + k;
  }
  acc.top1 = static_cast<double>(top1) / n;
  acc.top5 = static_cast<double>(top5) / n;
  return acc;
}

LatencySummary summarize_latency(std::vector<double> times_ms) {
  LatencySummary s;
  if (times_ms.empty()) return s;
  std::sort(times_ms.begin(), times_ms.end());
  s.runs = static_cast<int64_t>(times_ms.size());
  s.mean_ms = std::accumulate(times_ms.begin(), times_ms.end(), 0.0) / times_ms.size();
  s.p50_ms = nearest_rank(times_ms, 50);
  s.p90_ms = nearest_rank(times_ms, 90);
  s.p99_ms = nearest_rank(times_ms, 99);
  s.min_ms = times_ms.front();
  s.max_ms = times_ms.back();
  return s;
}

void set_metrics(VariantReport& variant, const OutputComparison& comparison,
                 const std::optional<Accuracy>& acc) {
  variant.samples = comparison.samples;
  variant.top1_agreement = comparison.top1_agreement;
  variant.cosine = comparison.cosine_mean;
  variant.max_abs_diff = comparison.max_abs_diff;
  if (acc) {
    variant.top1 = acc->top1;
    variant.top5 = acc->top5;
  }
}

}  // namespace mconv::report
