// Folding the channel order that channel splitting restores with a Gather into the neighbouring
// weights, so that no Gather is left (XNNPACK's delegate takes no int8 GATHER, each one cuts the
// TFLite graph into another partition; ONNX Runtime runs it as a copy).
//
// split_channel_groups (channel_split.h) writes Concat(groups) -> Gather(channel order) -> value.
// The Concat's output holds the same channels in "grouped" order. Every reader of the gathered
// value can take the grouped order instead when what it computes is permuted along with it:
//   - channel-wise unary ops, spatial ReduceMean / GlobalAveragePool, depthwise convolutions
//     (their weight and bias rows permuted) and element-wise Add/Sub/Mul/Div of two such values
//     (or with a scalar) compute the same channels in the grouped order;
//   - a convolution reading it takes its weights' input channels permuted (its output keeps the
//     original order), and a convolution whose output must be grouped (the squeeze-excite gate
//     multiplied into the grouped value) takes its weight and bias rows permuted.
// The rewrite is exact in FP32. When any reader or producer in the closure is something else (a
// residual Add with an ungrouped value, a graph output, a reshape...) the Gather stays.
//
// Values that now hold grouped channels get derived names (ir::Derivation::kGrouped): they are not
// the source's tensors any more, and verify_layers must not compare them as such.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "core/status.h"
#include "ir/graph.h"

namespace mconv::quant {

struct ChannelOrderFolding {
  int gathers_folded = 0;  // Gathers removed
  int gathers_kept = 0;    // channel Gathers left because a reader could not take the order
  // Values renamed because they now hold grouped channels: (old name, new name). Settings keyed
  // by value name (e.g. a folded gate's [0, 1] range) follow them.
  std::vector<std::pair<std::string, std::string>> renamed;
};

// Folds every channel-order Gather of `graph` (FP32, constant indices forming a permutation)
// whose readers allow it.
Expected<ChannelOrderFolding> fold_channel_order(ir::Graph& graph);

}  // namespace mconv::quant
