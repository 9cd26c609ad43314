// Measured mixed precision: which activations to keep in float so that the quantized graph agrees
// with FP32 on a top-1 budget, keeping as few as possible.
//
//  1. rank_activations: for every activation Q/DQ pair of the QDQ graph, the output error it
//     causes on its own, measured on real images: the output noise energy with only that pair
//     active (every other activation pair passing its float input through, weights int8) minus
//     the noise with no pair active (noise = |y_q - y_fp32|^2 / |y_fp32|^2 over the images, y
//     the logits when the graph ends in a Softmax). Measured on MobileNetV3-Small, these
//     contributions add up to the all-int8 noise within ~20% (docs/int8_accuracy.md), which
//     the drop in noise from removing one pair from the all-int8 graph does not: removing the
//     top 32 pairs ranked that way moved the held-out SQNR from 12.9 to only 13.6 dB. Each
//     measurement re-evaluates only the nodes downstream of the pair, reading everything else
//     from one stored weights-only run.
//  2. choose_float_values: the fewest top-ranked activations whose removal makes the top-1
//     agreement with FP32, measured on held-out images (never used for ranges), reach the
//     target: k = 0, 1, 2, 4, ... until met, then bisection between the last two k; out of
//     reach: the k with the best agreement, the lowest output noise on ties.
// The caller builds each candidate graph (quantize_to_qdq with QuantizeOptions::float_values,
// then whatever else it applies, e.g. bias correction), so the agreement is measured on the
// graph that ships.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "core/status.h"
#include "core/tensor.h"
#include "ir/graph.h"

namespace mconv::quant {

struct ActivationSensitivity {
  std::string value;         // activation name (the DequantizeLinear output, the original name)
  std::string producer;      // op of the node writing it, e.g. "Mul"
  double noise_removed = 0;  // output noise energy it causes alone (share of signal): what
                             // keeping it float removes, to first order
};

// Output noise of a QDQ graph against the FP32 graph on the same inputs, and its top-1 agreement.
struct OutputError {
  double noise = 0;      // sum |y_q - y_fp32|^2 / sum |y_fp32|^2
  double agreement = 0;  // share of samples whose top-1 class matches FP32's
  int64_t samples = 0;
};

// FP32 outputs (logits when the graph ends in a Softmax) of `graph` on the batch `inputs`.
Expected<Tensor> reference_logits(const ir::Graph& graph, const std::vector<Tensor>& inputs);
// The same value of a QDQ graph made from it, compared with `reference`.
Expected<OutputError> measure_output_error(const ir::Graph& qdq, const std::vector<Tensor>& inputs,
                                           const Tensor& reference);

// Every activation Q/DQ pair of `qdq` (graph inputs excluded), most harmful first; ties keep graph
// order. `threads` workers measure different pairs; the result does not depend on it.
Expected<std::vector<ActivationSensitivity>> rank_activations(const ir::Graph& qdq,
                                                              const std::vector<Tensor>& inputs,
                                                              const Tensor& reference,
                                                              int threads = 1);

struct MixedPrecisionChoice {
  int kept = 0;                                    // top-ranked activations kept in float
  OutputError all_int8;                            // held-out error with none kept
  OutputError chosen;                              // held-out error of the choice
  bool target_met = false;                         // chosen.agreement >= target
  std::vector<std::pair<int, OutputError>> tried;  // every k measured, in order
};

// `measure(k)` builds the graph with the top k activations in float and measures it on the
// held-out images. Tries at most `max_kept` activations.
Expected<MixedPrecisionChoice> choose_float_values(
    const std::function<Expected<OutputError>(int k)>& measure, double target_agreement,
    int max_kept);

}  // namespace mconv::quant
