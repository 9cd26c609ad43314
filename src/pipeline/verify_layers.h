// Per-layer comparison for `mconv verify`: runs the reference and the candidate graph in the
// reference interpreter on one sample, capturing every node output, matches values of the two
// graphs, and finds the first matched layer (in the reference's topological order) where the
// candidate diverges, in the spirit of onnx2tf's -cotof.
//
// Matching, strongest first:
//  1. by value name: equal names, then names equal after normalization (first segment of TFLite
//     fused names "a;b;c", and the derivations mconv's passes name a rewritten, re-typed or
//     re-laid-out value with, as registered in ir/derived_names.h: ir::origin_name);
//  2. by op sequence for what is left: the longest order-preserving alignment of the two graphs'
//     (op, shape) sequences, shapes equal up to a layout permutation (so the k-th Conv of the
//     reference meets the k-th Conv of the candidate, and ops the other graph lacks, such as
//     channel-split groups, are skipped).
// Layout: NCHW and NHWC tensors are transposed before comparing; tensors whose dims differ only by
// ones (a [1,C,1,1] against a [1,C]) are compared flat. Integer tensors with Value::quant (a
// quantized TFLite graph, QDQ int8 values) are dequantized first. Quantized "<out>/pre_act"
// values (a TFLite op with a fused activation, already clamped by the integer kernel) and outputs
// of convs that quant::fold_gates rescaled are skipped (weights "<w>_gate", or a reference value
// read only by HardSigmoid whose candidate only Clip reads or is int8 over exactly [0, 1]). Known
// limit: the Clip -> Mul(c) gate fold leaves no such trace, so in an int8 TFLite file that conv
// still pairs with the reference's by op sequence and shows a scaled tensor (cosine near 1,
// relative error not).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/status.h"
#include "core/tensor.h"
#include "ir/graph.h"

namespace mconv::pipeline {

// Normalized form of a value name for matching (see above): first ';' segment, then
// ir::origin_name (the derivations passes register in ir/derived_names.h stripped, repeatedly).
std::string normalize_value_name(const std::string& name);

// How a value pair was matched.
enum class LayerMatch : uint8_t {
  kName,        // equal names
  kNormalized,  // equal after normalize_value_name
  kSequence,    // by op sequence and shape
};
std::string_view layer_match_name(LayerMatch match);  // "name", "normalized", "sequence"

// One matched value pair and how far apart the two tensors are.
struct LayerRow {
  int64_t position = 0;                  // index of the reference node in topological order
  std::string reference_value;           // reference value name
  std::string reference_node;            // the reference node producing it
  std::string reference_op;              // its op ("Conv")
  std::string candidate_value;           // candidate value name
  std::string candidate_node;            // the candidate node producing it
  std::string candidate_op;              // its op
  LayerMatch match = LayerMatch::kName;  // how the pair was found
  std::vector<int64_t> shape;            // the reference tensor's shape
  bool transposed = false;               // the candidate tensor was moved between NCHW and NHWC
  bool dequantized = false;              // the candidate tensor was integer and dequantized
  double max_abs_diff = 0;               // max |candidate - reference|
  double relative_error = 0;  // max_abs_diff / max |reference| (max_abs_diff when that is 0)
  double cosine = 1;          // cosine similarity of the flattened tensors
  bool diverged = false;      // over one of the thresholds
};

struct LayerThresholds {
  double max_relative_error = 1e-3;   // relative_error above this diverges
  double max_cosine_distance = 1e-4;  // 1 - cosine above this diverges
};

struct LayerComparison {
  std::vector<LayerRow> rows;            // every matched pair, in the reference's order
  int64_t reference_values = 0;          // node outputs the reference computed
  int64_t candidate_values = 0;          // node outputs the candidate computed
  std::optional<size_t> first_diverged;  // index into rows of the first diverged pair
  std::optional<size_t> last_good;       // index of the last good pair before it
  // Candidate nodes between the last good pair and the first diverged one (in candidate order,
  // "op name"): where the fault lies when the diverged value is produced after it (e.g. a
  // candidate Conv fused with a Relu whose output is the first matched value).
  std::vector<std::string> suspects;
};

// Runs both graphs on one sample (`reference_input` / `candidate_input` in each graph's own
// layout and dtype) and compares every matched value.
Expected<LayerComparison> compare_layers(const ir::Graph& reference, const Tensor& reference_input,
                                         const ir::Graph& candidate, const Tensor& candidate_input,
                                         const LayerThresholds& thresholds);

// Real values of a tensor: integer tensors with `quant` dequantized (per tensor or per axis),
// others cast to f32.
Tensor real_values(const Tensor& t, const std::optional<ir::QuantParams>& quant);

// The interpreter's float kernels are f32: a copy of `graph` with f16 values, constants and Casts
// widened to f32 (weight rounding stays, f16 activation rounding does not).
ir::Graph widened_to_f32(const ir::Graph& graph);
bool has_f16_values(const ir::Graph& graph);

// Makes an f32 sample fit a graph input: cast to its float type, or quantized with its params
// when the input is integer.
Tensor input_for(const Tensor& sample, const ir::Value& input);

}  // namespace mconv::pipeline
