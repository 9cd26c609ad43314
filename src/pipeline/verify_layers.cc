#include "pipeline/verify_layers.h"

#include <algorithm>
#include <cmath>
#include <memory>
#include <string_view>
#include <unordered_map>

#include "ir/derived_names.h"
#include "pipeline/variant_runs.h"
#include "runtime/interpreter.h"

namespace mconv::pipeline {
namespace {

bool is_integer(DType t) {
  return t == DType::kI8 || t == DType::kU8 || t == DType::kI16 || t == DType::kI32 ||
         t == DType::kI64;
}

bool reads_gate_weights(const ir::Node& node) {
  return std::any_of(node.inputs.begin(), node.inputs.end(), [](const ir::Value* in) {
    return in && in->is_constant() && ir::is_derived(in->name, ir::Derivation::kGate);
  });
}

// Whether a derivation in `name`'s suffixes is kGrouped ("x_grouped", "x_grouped_dq").
bool holds_grouped_channels(std::string_view name) {
  for (bool stripped = true; stripped;) {
    stripped = false;
    for (size_t d = 0; d < ir::kDerivationCount; ++d) {
      const auto derivation = static_cast<ir::Derivation>(d);
      if (!ir::is_derived(name, derivation)) continue;
      if (derivation == ir::Derivation::kGrouped) return true;
      name.remove_suffix(ir::derivation_suffix(derivation).size());
      stripped = true;
    }
  }
  return false;
}

bool all_consumers_are(const ir::Value& v, ir::OpType op) {
  return !v.consumers.empty() && std::all_of(v.consumers.begin(), v.consumers.end(),
                                             [&](const ir::Node* n) { return n->op == op; });
}

// quant::fold_gates turned the reference's Conv -> HardSigmoid into a scaled Conv -> Clip(0, 1):
// the conv output keeps its name but holds alpha * x + beta.
// In a full-integer file the Clip(0, 1) is gone too: an int8 output over exactly [0, 1] is the
// clip.
bool gate_folded(const ir::Value& ref, const ir::Value& cand) {
  if (!all_consumers_are(ref, ir::OpType::kHardSigmoid)) return false;
  if (all_consumers_are(cand, ir::OpType::kClip)) return true;
  if (!is_integer(cand.dtype) || !cand.quant || cand.quant->scale.size() != 1) return false;
  const double lo_q = cand.dtype == DType::kU8 ? 0 : -128,
               hi_q = cand.dtype == DType::kU8 ? 255 : 127;
  const double scale = cand.quant->scale[0];
  const double zp = cand.quant->zero_point.empty() ? 0 : cand.quant->zero_point[0];
  return std::fabs(scale * (lo_q - zp)) < 1e-6 && std::fabs(scale * (hi_q - zp) - 1) < 1e-3;
}

// A node output the interpreter computed, in its graph's node order.
struct Captured {
  int64_t position = 0;              // node index in topological order
  const ir::Node* node = nullptr;    // producer
  const ir::Value* value = nullptr;  // the value
  const Tensor* tensor = nullptr;    // what the run computed
};

std::vector<Captured> captured_values(const ir::Graph& graph,
                                      const std::vector<std::pair<std::string, Tensor>>& values) {
  std::unordered_map<std::string, const Tensor*> by_name;
  for (const auto& [name, t] : values) by_name.emplace(name, &t);
  std::vector<Captured> out;
  int64_t position = 0;
  for (const auto& node : graph.nodes()) {
    for (const ir::Value* v : node->outputs) {
      if (!v) continue;
      auto it = by_name.find(v->name);
      if (it == by_name.end()) continue;
      // A quantized TFLite op with a fused activation: the imported "<out>/pre_act" value carries
      // the output's (post-activation) quantization, so the integer kernel already clamped it.
      if (is_integer(v->dtype) && v->quant && v->name.ends_with("/pre_act")) continue;
      // A conv that quant::fold_gates scaled (weights "<w>_gate") writes alpha * x + beta under
      // the old name: not the same tensor any more.
      if (reads_gate_weights(*node)) continue;
      // quant::fold_channel_order left it with its channels in channel groups' order.
      if (holds_grouped_channels(v->name)) continue;
      out.push_back({position, node.get(), v, it->second});
    }
    ++position;
  }
  return out;
}

// How a candidate tensor is brought to the reference tensor's element order.
enum class Alignment { kSame, kToNchw, kToNhwc, kFlat };

std::vector<int64_t> without_ones(const std::vector<int64_t>& shape) {
  std::vector<int64_t> out;
  for (int64_t d : shape)
    if (d != 1) out.push_back(d);
  return out;
}

std::optional<Alignment> align(const std::vector<int64_t>& ref, const std::vector<int64_t>& cand) {
  if (ref == cand) return Alignment::kSame;
  if (ref.size() == 4 && cand.size() == 4) {
    if (cand == std::vector<int64_t>{ref[0], ref[2], ref[3], ref[1]}) return Alignment::kToNchw;
    if (cand == std::vector<int64_t>{ref[0], ref[3], ref[1], ref[2]}) return Alignment::kToNhwc;
  }
  const std::vector<int64_t> a = without_ones(ref), b = without_ones(cand);
  if (a == b) return Alignment::kFlat;
  return std::nullopt;
}

// Ops that compute the same thing under another name in the other format pair as one class
// (the op table's compares_as trait).
std::string op_class(const ir::Node& node) {
  return std::string(ir::op_name(ir::op_info(node.op).compares_as));
}

// Fills the metrics of `row` from the two tensors.
void measure(LayerRow& row, const Captured& ref, const Captured& cand, Alignment alignment,
             const LayerThresholds& thresholds) {
  const Tensor r = real_values(*ref.tensor, ref.value->quant);
  Tensor c = real_values(*cand.tensor, cand.value->quant);
  row.dequantized = is_integer(cand.tensor->dtype()) && cand.value->quant.has_value();
  if (alignment == Alignment::kToNchw || alignment == Alignment::kToNhwc) {
    c = transpose_image_batch(c, alignment == Alignment::kToNhwc);
    row.transposed = true;
  }
  const float* x = c.data<float>();
  const float* y = r.data<float>();
  const int64_t n = std::min(c.element_count(), r.element_count());
  double diff = 0, scale = 0, dot = 0, xx = 0, yy = 0;
  bool finite = true;
  for (int64_t i = 0; i < n; ++i) {
    const double a = x[i], b = y[i];
    if (!std::isfinite(a) || !std::isfinite(b)) finite = false;
    diff = std::max(diff, std::fabs(a - b));
    scale = std::max(scale, std::fabs(b));
    dot += a * b;
    xx += a * a;
    yy += b * b;
  }
  row.max_abs_diff = diff;
  row.relative_error = scale > 0 ? diff / scale : diff;
  if (xx == 0 && yy == 0)
    row.cosine = 1;
  else if (xx == 0 || yy == 0)
    row.cosine = 0;
  else
    row.cosine = dot / std::sqrt(xx * yy);
  row.diverged = !finite || row.relative_error > thresholds.max_relative_error ||
                 1 - row.cosine > thresholds.max_cosine_distance;
}

// Longest order-preserving alignment of refs[free_refs] and cands[free_cands] whose elements
// pair when `same(i, j)`; calls `pair(i, j)` for each aligned pair.
template <typename Same, typename Pair>
void align_sequences(size_t n, size_t m, const Same& same, const Pair& pair) {
  if (n == 0 || m == 0 || n * m > 16'000'000) return;
  // lcs[i][j]: alignment length of the suffixes from i and j.
  std::vector<std::vector<int32_t>> lcs(n + 1, std::vector<int32_t>(m + 1, 0));
  for (size_t i = n; i-- > 0;)
    for (size_t j = m; j-- > 0;)
      lcs[i][j] = same(i, j) ? lcs[i + 1][j + 1] + 1 : std::max(lcs[i + 1][j], lcs[i][j + 1]);
  for (size_t i = 0, j = 0; i < n && j < m;) {
    if (same(i, j) && lcs[i][j] == lcs[i + 1][j + 1] + 1) {
      pair(i, j);
      ++i;
      ++j;
    } else if (lcs[i + 1][j] >= lcs[i][j + 1]) {
      ++i;
    } else {
      ++j;
    }
  }
}

}  // namespace

// The interpreter's float kernels are f32: an f16 graph (fp16 ONNX) is compared as the same graph
// with f16 values, constants and Casts widened to f32. Weight rounding still shows; the rounding
// of f16 activations does not.
ir::Graph widened_to_f32(const ir::Graph& graph) {
  ir::Graph g = graph.clone();
  for (const auto& v : g.values()) {
    if (v->dtype != DType::kF16) continue;
    v->dtype = DType::kF32;
    if (v->constant) v->constant = std::make_shared<const Tensor>(v->constant->cast(DType::kF32));
  }
  for (const auto& node : g.nodes())
    if (node->op == ir::OpType::kCast &&
        node->attrs.get_int("to", -1) == static_cast<int64_t>(DType::kF16))
      node->attrs.set("to", static_cast<int64_t>(DType::kF32));
  return g;
}

bool has_f16_values(const ir::Graph& graph) {
  for (const auto& v : graph.values())
    if (v->dtype == DType::kF16) return true;
  return false;
}

std::string normalize_value_name(const std::string& name) {
  // TFLite files written by TensorFlow join fused tensors' names with ';': the first is the one.
  return ir::origin_name(std::string_view(name).substr(0, name.find(';')));
}

std::string_view layer_match_name(LayerMatch match) {
  switch (match) {
    case LayerMatch::kName:
      return "name";
    case LayerMatch::kNormalized:
      return "normalized";
    case LayerMatch::kSequence:
      return "sequence";
  }
  return "?";
}

Tensor real_values(const Tensor& t, const std::optional<ir::QuantParams>& quant) {
  if (!is_integer(t.dtype()) || !quant || quant->scale.empty()) return t.cast(DType::kF32);
  const std::vector<float> q = t.to_f32();
  Tensor out(DType::kF32, t.shape());
  float* dst = out.data<float>();
  int64_t inner = 1, channels = 1;
  if (quant->per_axis() && quant->axis < t.rank()) {
    channels = t.dim(quant->axis);
    for (int d = quant->axis + 1; d < t.rank(); ++d) inner *= t.dim(d);
  }
  for (size_t i = 0; i < q.size(); ++i) {
    size_t c = quant->per_axis() ? static_cast<size_t>((i / inner) % channels) : 0;
    if (c >= quant->scale.size()) c = 0;
    const int64_t zp = c < quant->zero_point.size() ? quant->zero_point[c] : 0;
    dst[i] = quant->scale[c] * (q[i] - static_cast<float>(zp));
  }
  return out;
}

Tensor input_for(const Tensor& sample, const ir::Value& input) {
  if (sample.dtype() == input.dtype) return sample;
  if (is_integer(input.dtype) && input.quant && !input.quant->scale.empty()) {
    const float scale = input.quant->scale[0];
    const int64_t zp = input.quant->zero_point.empty() ? 0 : input.quant->zero_point[0];
    const double lo = input.dtype == DType::kU8 ? 0 : -128,
                 hi = input.dtype == DType::kU8 ? 255 : 127;
    const std::vector<float> x = sample.to_f32();
    std::vector<float> q(x.size());
    for (size_t i = 0; i < x.size(); ++i)
      q[i] = static_cast<float>(std::clamp(
          std::nearbyint(static_cast<double>(x[i]) / scale) + static_cast<double>(zp), lo, hi));
    return Tensor::FromVector(DType::kF32, sample.shape(), q).cast(input.dtype);
  }
  return sample.cast(input.dtype);
}

Expected<LayerComparison> compare_layers(const ir::Graph& reference, const Tensor& reference_input,
                                         const ir::Graph& candidate, const Tensor& candidate_input,
                                         const LayerThresholds& thresholds) {
  if (reference.inputs.size() != 1 || candidate.inputs.size() != 1)
    return Status::Error("per-layer comparison needs models with one input");
  std::vector<std::pair<std::string, Tensor>> ref_values, cand_values;
  ir::Graph widened_reference, widened;
  const ir::Graph& ref_graph =
      has_f16_values(reference) ? (widened_reference = widened_to_f32(reference)) : reference;
  {
    MCONV_ASSIGN_OR_RETURN(auto interpreter, runtime::Interpreter::Create(ref_graph));
    auto run =
        interpreter->run_capturing({input_for(reference_input, *ref_graph.inputs[0])}, &ref_values);
    if (!run.ok()) return Status::Error("reference: " + run.status().message());
  }
  const ir::Graph& runnable =
      has_f16_values(candidate) ? (widened = widened_to_f32(candidate)) : candidate;
  {
    auto interpreter = runtime::Interpreter::Create(runnable);
    if (!interpreter.ok()) return Status::Error("candidate: " + interpreter.status().message());
    auto run = (*interpreter)
                   ->run_capturing({input_for(candidate_input, *runnable.inputs[0])}, &cand_values);
    if (!run.ok()) return Status::Error("candidate: " + run.status().message());
  }
  const std::vector<Captured> refs = captured_values(ref_graph, ref_values);
  const std::vector<Captured> cands = captured_values(runnable, cand_values);

  // match[i] = index into cands for refs[i], with how.
  std::vector<std::optional<std::pair<size_t, LayerMatch>>> match(refs.size());
  std::vector<bool> used(cands.size(), false);
  auto compatible = [&](size_t r, size_t c) {
    return align(refs[r].tensor->shape(), cands[c].tensor->shape()).has_value() &&
           !gate_folded(*refs[r].value, *cands[c].value);
  };

  // 1. Names, exact then normalized.
  std::unordered_map<std::string, size_t> by_name;
  std::unordered_map<std::string, std::vector<size_t>> by_normalized;
  for (size_t c = 0; c < cands.size(); ++c) {
    by_name.emplace(cands[c].value->name, c);
    by_normalized[normalize_value_name(cands[c].value->name)].push_back(c);
  }
  for (size_t r = 0; r < refs.size(); ++r) {
    auto it = by_name.find(refs[r].value->name);
    if (it != by_name.end() && !used[it->second] && compatible(r, it->second)) {
      match[r] = {it->second, LayerMatch::kName};
      used[it->second] = true;
    }
  }
  for (size_t r = 0; r < refs.size(); ++r) {
    if (match[r]) continue;
    auto it = by_normalized.find(normalize_value_name(refs[r].value->name));
    if (it == by_normalized.end()) continue;
    for (size_t c : it->second)
      if (!used[c] && compatible(r, c)) {
        match[r] = {c, LayerMatch::kNormalized};
        used[c] = true;
        break;
      }
  }

  // 2. Op sequence: longest common subsequence of the unmatched (op, shape) sequences, run
  // between consecutive name matches (anchors, kept while they are in the same order in both
  // graphs) so that a value is never paired across a matched one.
  std::vector<std::string> ref_ops(refs.size()), cand_ops(cands.size());
  for (size_t r = 0; r < refs.size(); ++r) ref_ops[r] = op_class(*refs[r].node);
  for (size_t c = 0; c < cands.size(); ++c) cand_ops[c] = op_class(*cands[c].node);
  std::vector<std::pair<size_t, size_t>> anchors;  // (ref index, cand index), both increasing
  for (size_t r = 0; r < refs.size(); ++r)
    if (match[r] && (anchors.empty() || match[r]->first > anchors.back().second))
      anchors.emplace_back(r, match[r]->first);
  anchors.emplace_back(refs.size(), cands.size());  // end of both
  size_t ref_from = 0, cand_from = 0;
  for (const auto& [ref_to, cand_to] : anchors) {
    std::vector<size_t> free_refs, free_cands;
    for (size_t r = ref_from; r < ref_to; ++r)
      if (!match[r]) free_refs.push_back(r);
    for (size_t c = cand_from; c < cand_to; ++c)
      if (!used[c]) free_cands.push_back(c);
    align_sequences(
        free_refs.size(), free_cands.size(),
        [&](size_t i, size_t j) {
          return ref_ops[free_refs[i]] == cand_ops[free_cands[j]] &&
                 compatible(free_refs[i], free_cands[j]);
        },
        [&](size_t i, size_t j) {
          match[free_refs[i]] = {free_cands[j], LayerMatch::kSequence};
          used[free_cands[j]] = true;
        });
    ref_from = ref_to + 1;
    cand_from = cand_to + 1;
  }

  LayerComparison out;
  out.reference_values = static_cast<int64_t>(refs.size());
  out.candidate_values = static_cast<int64_t>(cands.size());
  std::vector<size_t> row_cand;  // candidate index per row
  for (size_t r = 0; r < refs.size(); ++r) {
    if (!match[r]) continue;
    const Captured& ref = refs[r];
    const Captured& cand = cands[match[r]->first];
    LayerRow row;
    row.position = ref.position;
    row.reference_value = ref.value->name;
    row.reference_node = ref.node->name;
    row.reference_op = std::string(ir::op_name(ref.node->op));
    row.candidate_value = cand.value->name;
    row.candidate_node = cand.node->name;
    row.candidate_op = std::string(ir::op_name(cand.node->op));
    row.match = match[r]->second;
    row.shape = ref.tensor->shape();
    measure(row, ref, cand, *align(ref.tensor->shape(), cand.tensor->shape()), thresholds);
    if (row.diverged && !out.first_diverged) out.first_diverged = out.rows.size();
    if (!row.diverged && !out.first_diverged) out.last_good = out.rows.size();
    out.rows.push_back(std::move(row));
    row_cand.push_back(match[r]->first);
  }
  if (out.first_diverged) {
    const int64_t from = out.last_good ? cands[row_cand[*out.last_good]].position : -1;
    const int64_t to = cands[row_cand[*out.first_diverged]].position;
    for (const auto& node : runnable.nodes()) {
      const auto at = static_cast<int64_t>(&node - runnable.nodes().data());
      const bool on_constants_only =
          std::all_of(node->inputs.begin(), node->inputs.end(),
                      [](const ir::Value* in) { return !in || in->is_constant(); });
      if (at > from && at <= to && !on_constants_only && out.suspects.size() < 16)
        out.suspects.push_back(std::string(ir::op_name(node->op)) + " " + node->name);
    }
  }
  return out;
}

}  // namespace mconv::pipeline
