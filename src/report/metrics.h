// The numbers a report holds, computed one way for every caller: agreement of a candidate's
// outputs with the reference's (top-1 agreement, cosine similarity, max abs diff), accuracy
// against labels (top-1/top-5), and latency percentiles.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "core/status.h"
#include "core/tensor.h"
#include "report/report.h"

namespace mconv::report {

// Candidate vs reference over N samples (axis 0; each sample's remaining elements are its scores).
struct OutputComparison {
  int64_t samples = 0;        // N
  double top1_agreement = 0;  // share of samples whose argmax equals the reference's
  double cosine_mean = 0;     // mean over samples of the cosine similarity of the score vectors
  double cosine_min = 0;      // the worst sample's cosine similarity
  double max_abs_diff = 0;    // max |candidate - reference| over every element
};

// Both tensors [N, ...] with the same element count per sample (any numeric dtype; compared as
// float, so dequantize quantized outputs first). A sample whose two vectors are both zero counts
// as cosine 1; one zero vector against a non-zero one as 0.
Expected<OutputComparison> compare_outputs(const Tensor& candidate, const Tensor& reference);

// Real values of a quantized tensor: scale * (q - zero_point), as f32.
Tensor dequantize(const Tensor& quantized, float scale, int64_t zero_point);

struct Accuracy {
  int64_t samples = 0;  // samples scored
  double top1 = 0;      // share whose best class is the label
  double top5 = 0;      // share whose label is among the 5 best classes
};

// `scores` [N, C]; labels[i] in [0, C - class_offset). `class_offset` skips leading classes that
// labels do not count (1 for 1001-class models with "background" at index 0).
Expected<Accuracy> accuracy(const Tensor& scores, const std::vector<int64_t>& labels,
                            int class_offset = 0);

struct LatencySummary {
  int64_t runs = 0;  // timed runs summarised
  double mean_ms = 0;
  double p50_ms = 0;  // nearest-rank percentiles
  double p90_ms = 0;
  double p99_ms = 0;
  double min_ms = 0;
  double max_ms = 0;
};
// Nearest-rank percentiles (the same definition as the LiteRT runner's); all zero when empty.
LatencySummary summarize_latency(std::vector<double> times_ms);

// Copies the comparison (and accuracy, when given) into the variant's metric fields.
void set_metrics(VariantReport& variant, const OutputComparison& comparison,
                 const std::optional<Accuracy>& accuracy = std::nullopt);

}  // namespace mconv::report
