// Channel splitting: an FP32-exact rewrite that gives groups of channels their own int8 params.
//
// Per-tensor int8 activations fail when the channels of one tensor live on very different scales,
// and the first layers of MobileNetV3 (after BatchNorm folding) are the worst case: in Keras's
// MobileNetV3-Small the stem's hard-swish output holds channels around 15 next to channels that
// vary by +-0.1 around 3 and feed depthwise kernels with weights near 100, so one int8 scale
// erases them (measured: that one tensor alone drops the logits to ~9 dB SQNR). No rescaling can
// cross the hard-swish, but the chain
//     Conv -> per-channel unary ops -> depthwise Conv -> per-channel unary ops
// computes every channel independently, so it can be cut into channel groups, each a smaller
// chain of its own whose tensors get their own params, followed by a Concat and a Gather that
// restore the channel order (both keep their input params, as TFLite requires). The split model
// computes exactly what the original does in FP32 and is a plain graph for both exporters.
//
// Groups come from calibration's per-channel ranges (CalibrationOptions::channel_ranges): channels
// are sorted by the range of the tensor feeding the depthwise Conv and cut into at most
// max_groups contiguous groups minimising sum over the chain's tensors and channels of
// (group range / channel range)^2, the per-channel quantization noise relative to the channel's
// own spread. Chains whose cost does not drop by min_gain are left alone. Recalibrate after.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/status.h"
#include "ir/graph.h"
#include "quant/calibration.h"

namespace mconv::quant {

struct ChannelSplitOptions {
  int max_groups = 2;     // most groups per chain (1 disables splitting)
  double min_gain = 4.0;  // split only when the cost drops at least this much
  enum class Cost : uint8_t {
    kRelative,      // sum of (group spread / channel spread)^2
    kGainWeighted,  // sum of group spread^2 * |depthwise kernel of the channel|^2 (before it)
  };
  Cost cost = Cost::kRelative;  // what the grouping minimises
  // Nodes whose chains stay whole (e.g. a head left in float, where int8 params do not apply).
  std::vector<std::string> keep_whole;
};

// Splits the qualifying chains of `graph` in place; returns how many were split. Needs
// `stats` from calibrate(graph, ..., {.channel_ranges = true}).
Expected<int> split_channel_groups(ir::Graph& graph, const CalibrationResult& stats,
                                   const ChannelSplitOptions& options = {});

}  // namespace mconv::quant
