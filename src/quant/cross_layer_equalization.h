// Cross-layer equalization (Nagel et al. 2019, "Data-Free Quantization"; SmoothQuant's migration
// strength), exactly (same FP32 function): an activation written by a Conv with constant weights,
// optionally through positively homogeneous ops (Relu, pools, spatial ReduceMean, Mul by a tensor
// that does not depend on it), has channel c divided by s_c > 0 — the producer's output channel c
// (weights and bias) takes 1/s_c — and every reader that can undo it takes s_c into its weights
// (a Conv's input channel c, a depthwise Conv's channel c).
//
// Why: int8 activations have one range per tensor. Without channel splitting (channel_split.h:
// FP32-exact but it triples the convolutions), a tensor whose channels span very different ranges
// quantizes its small channels with a handful of codes. Equalized, every channel uses the range,
// at no runtime cost: no op is added, and the producer's per-output-channel weight scales absorb
// 1/s_c without changing an int8 weight. The readers pay: a depthwise Conv has per-channel weight
// scales (free), a group-1 Conv has its input column c scaled by s_c inside per-output-channel
// scales, so for those the choice balances activation and weight ranges:
//     s_c ∝ r_c^alpha / w_c^(1 - alpha)
// with r_c the channel's calibrated range and w_c the column's largest weight relative to its
// output channel's largest (alpha = 1 when every reader is depthwise).
//
// Not equalized: activations behind non-homogeneous ops (HardSwish, Clip with an upper bound),
// read by an Add/Concat/graph output, or feeding anything that cannot take the scale.
#pragma once

#include <string>
#include <vector>

#include "core/status.h"
#include "ir/graph.h"
#include "quant/calibration.h"
#include "quant/range_estimation.h"

namespace mconv::quant {

struct EqualizationOptions {
  bool enabled = false;  // off: measured no gain on Keras MobileNetV3-Small (docs/int8_accuracy.md)
  double alpha = 0.5;    // migration strength when a group-1 Conv reads the activation
  double min_ratio = 1e-3;  // smallest channel range taken as this share of the largest
  // How the activation's per-tensor range will be chosen: channels are only widened, up to that
  // clipped range (a channel whose extremes lie beyond it keeps its scale, so outliers the range
  // clips are not stretched over the other channels).
  RangeOptions range;
};

struct EqualizationResult {
  std::vector<std::string> producers;  // Conv nodes whose output channels were equalized
};

// Rewrites `graph` in place using the per-channel ranges of `channels` (calibrate with
// CalibrationOptions::channel_ranges on this graph).
Expected<EqualizationResult> equalize_channel_ranges(ir::Graph& graph,
                                                     const CalibrationResult& channels,
                                                     const EqualizationOptions& options = {});

}  // namespace mconv::quant
