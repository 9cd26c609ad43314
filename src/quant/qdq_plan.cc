#include "quant/qdq_plan.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <optional>
#include <string>

#include "quant/quant_params.h"
#include "quant/range_estimation.h"

namespace mconv::quant {
namespace {

using ir::OpType;

std::string where(const ir::Node& node) {
  return "node '" + node.name + "' (" + std::string(ir::op_name(node.op)) + ")";
}

bool is_graph_output(const ir::Graph& graph, const ir::Value* v) {
  return std::find(graph.outputs.begin(), graph.outputs.end(), v) != graph.outputs.end();
}

bool is_graph_input(const ir::Graph& graph, const ir::Value* v) {
  return std::find(graph.inputs.begin(), graph.inputs.end(), v) != graph.inputs.end();
}

bool is_f32(const ir::Value* v) {
  return v && v->dtype == DType::kF32;
}
bool is_f32_constant(const ir::Value* v) {
  return is_f32(v) && v->is_constant();
}
bool is_f32_activation(const ir::Value* v) {
  return is_f32(v) && !v->is_constant();
}

// Constant scalar bound of a Clip input (absent: no bound).
std::optional<float> clip_bound(const ir::Node& clip, size_t index) {
  if (clip.inputs.size() <= index || !clip.inputs[index]) return std::nullopt;
  const ir::Value* v = clip.inputs[index];
  if (!v->is_constant() || v->constant->element_count() != 1) return std::nullopt;
  return v->constant->to_f32()[0];
}

bool clip_has_constant_bounds(const ir::Node& clip) {
  for (size_t i = 1; i < clip.inputs.size(); ++i)
    if (clip.inputs[i] && !clip_bound(clip, i)) return false;
  return true;
}

// Whether the QDQ rewrite can quantize this node at all.
bool eligible(const ir::Node& node, QuantRole role) {
  if (role == QuantRole::kFloat || node.outputs.empty() || !is_f32(node.outputs[0])) return false;
  const ir::Value* x = node.inputs[0];
  switch (role) {
    case QuantRole::kWeighted: {
      if (!is_f32_activation(x)) return false;
      const ir::Value* w = node.inputs[1];
      if (node.op == OpType::kMatMul)
        return is_f32(w) && (!w->is_constant() || w->constant->rank() == 2);
      if (!is_f32_constant(w)) return false;
      if (node.op == OpType::kGemm) {
        if (w->constant->rank() != 2 || node.attrs.get_int("transA", 0) != 0) return false;
        if (node.inputs.size() > 2 && node.inputs[2] && !is_f32_constant(node.inputs[2]))
          return false;
      }
      if (node.op == OpType::kConv && node.inputs.size() > 2 && node.inputs[2] &&
          !is_f32_constant(node.inputs[2]))
        return false;
      return true;
    }
    case QuantRole::kElementwise:
      return is_f32(node.inputs[0]) && is_f32(node.inputs[1]) &&
             (!node.inputs[0]->is_constant() || !node.inputs[1]->is_constant());
    case QuantRole::kActivation:
      if (node.op == OpType::kClip && !clip_has_constant_bounds(node)) return false;
      return is_f32_activation(x);
    case QuantRole::kTied:
      if (!is_f32(x)) return false;
      for (const ir::Value* out : node.outputs)
        if (!is_f32(out)) return node.op == OpType::kDropout;  // Dropout's mask output is bool
      return true;
    default:
      return is_f32_activation(x);
  }
}

// Fixed output params of an op (TFLite spec), if it has them.
std::optional<ir::QuantParams> fixed_output_params(const ir::Node& node,
                                                   const QuantizeOptions& options) {
  switch (node.op) {
    case OpType::kSigmoid:
    case OpType::kSoftmax:
      return fixed_params(1.0f / 256.0f, -128);
    case OpType::kTanh:
      return fixed_params(1.0f / 128.0f, 0);
    case OpType::kHardSigmoid:
      return fixed_params(options.hard_sigmoid_scale, -128);
    default:
      return std::nullopt;
  }
}

// What a producer can output at most, intersected with the estimated range.
FloatRange apply_producer_bounds(const ir::Node* producer, FloatRange r) {
  if (!producer) return r;
  float lo = -std::numeric_limits<float>::infinity(), hi = -lo;
  switch (producer->op) {
    case OpType::kRelu:
      lo = 0.0f;
      break;
    case OpType::kClip:
      lo = clip_bound(*producer, 1).value_or(lo);
      hi = clip_bound(*producer, 2).value_or(hi);
      break;
    case OpType::kHardSwish:
      lo = -0.375f;
      break;  // min of x * relu6(x + 3) / 6, at x = -1.5
    default:
      return r;
  }
  r.min = std::clamp(r.min, lo, hi);
  r.max = std::clamp(r.max, lo, hi);
  return r;
}

// The Add(x, 3) of hard-swish's decomposed form (hard_swish_form.h): x plus the constant 3,
// clipped to [0, 6] by the Clip that alone reads it.
bool is_hard_swish_shift(const ir::Graph& graph, const ir::Node* add, const ir::Value* x) {
  if (!add || add->op != OpType::kAdd || add->inputs.size() != 2) return false;
  const ir::Value* c = add->inputs[0] == x ? add->inputs[1] : add->inputs[0];
  if (c == x || !is_f32_constant(c) || c->constant->element_count() != 1 ||
      c->constant->to_f32()[0] != 3.0f)
    return false;
  const ir::Value* out = add->outputs[0];
  if (out->consumers.size() != 1 || is_graph_output(graph, out)) return false;
  const ir::Node* clip = out->consumers[0];
  return clip->op == OpType::kClip && clip_bound(*clip, 1) == 0.0f && clip_bound(*clip, 2) == 6.0f;
}

// Whether `reader` reads x only to compute hard-swish of it: HardSwish itself, or the Add and
// the Mul(x, relu6(x + 3)) of the decomposed form.
bool reads_for_hard_swish(const ir::Graph& graph, const ir::Node* reader, const ir::Value* x) {
  if (reader->op == OpType::kHardSwish) return true;
  if (is_hard_swish_shift(graph, reader, x)) return true;
  if (reader->op != OpType::kMul || reader->inputs.size() != 2) return false;
  const ir::Value* gate = reader->inputs[0] == x ? reader->inputs[1] : reader->inputs[0];
  const ir::Node* clip = gate == x ? nullptr : gate->producer;
  return clip && clip->op == OpType::kClip &&
         is_hard_swish_shift(graph, clip->inputs[0]->producer, x);
}

// What the readers can tell apart, intersected with the range: hard-swish (whole or decomposed)
// maps every input below -3 to 0, so a value only hard-swish reads needs no codes below -3 (finer
// steps where they matter; it also keeps TFLite's HARD_SWISH constraint output_scale > input_scale
// / 128, which a long negative tail breaks).
FloatRange apply_reader_bounds(const ir::Graph& graph, const ir::Value* v, FloatRange r) {
  if (v->consumers.empty() || is_graph_output(graph, v)) return r;
  for (const ir::Node* reader : v->consumers)
    if (!reads_for_hard_swish(graph, reader, v)) return r;
  r.min = std::max(r.min, -3.0f);
  r.max = std::max(r.max, r.min);
  return r;
}

// Plain union-find over activation indices.
struct Groups {
  std::vector<int> parent;
  explicit Groups(size_t n) : parent(n) { std::iota(parent.begin(), parent.end(), 0); }
  int find(int i) {
    while (parent[i] != i) i = parent[i] = parent[parent[i]];
    return i;
  }
  void join(int a, int b) { parent[find(a)] = find(b); }
};

}  // namespace

std::vector<int> data_input_indices(const ir::Node& node, QuantRole role) {
  std::vector<int> out;
  const int n = static_cast<int>(node.inputs.size());
  switch (role) {
    case QuantRole::kWeighted:
      out.push_back(0);
      if (node.op == OpType::kMatMul && n > 1 && node.inputs[1] && !node.inputs[1]->is_constant())
        out.push_back(1);
      break;
    case QuantRole::kElementwise:
      for (int i = 0; i < n; ++i) out.push_back(i);
      break;
    case QuantRole::kTied:
      if (quant_rule(node.op).all_inputs_data) {
        for (int i = 0; i < n; ++i) out.push_back(i);
      } else {
        out.push_back(0);
      }
      break;
    default:
      out.push_back(0);
  }
  return out;
}

std::vector<std::string> head_node_names(const ir::Graph& graph, int convs) {
  std::unordered_set<const ir::Value*> head(graph.inputs.begin(), graph.inputs.end());
  std::vector<std::string> names;
  int seen = 0;
  for (const auto& node : graph.nodes()) {
    const QuantRole role = quant_role(node->op);
    if (role == QuantRole::kWeighted && seen == convs) continue;
    bool from_head = !node->inputs.empty();
    for (const ir::Value* in : node->inputs)
      if (in && !in->is_constant() && !head.count(in)) from_head = false;
    if (!from_head) continue;
    names.push_back(node->name);
    seen += role == QuantRole::kWeighted;
    for (const ir::Value* out : node->outputs) head.insert(out);
  }
  return names;
}

Expected<QdqPlan> plan_qdq(const ir::Graph& graph, const CalibrationResult& calibration,
                           const QuantizeOptions& options) {
  QdqPlan plan;
  const std::unordered_set<std::string> float_nodes(options.float_nodes.begin(),
                                                    options.float_nodes.end());
  for (const auto& node : graph.nodes()) {
    if (node->op == OpType::kQuantizeLinear || node->op == OpType::kDequantizeLinear)
      return Status::Error(where(*node) +
                           ": the graph is already quantized (QDQ); quantize the "
                           "FP32 model instead");
    for (const ir::Value* v : node->inputs)
      if (v && !v->is_constant() && (v->dtype == DType::kI8 || v->dtype == DType::kU8) && v->quant)
        return Status::Error(where(*node) + ": reads quantized tensor '" + v->name +
                             "'; quantize the FP32 model instead");
    if (float_nodes.count(node->name)) continue;
    if (eligible(*node, quant_role(node->op))) plan.quantized_nodes.insert(node.get());
  }

  // Relu/Clip that is the sole reader of a Conv/Gemm/MatMul/Add/Sub/Mul output fuses into it.
  for (const auto& node : graph.nodes()) {
    const QuantRole role = quant_role(node->op);
    if (!plan.quantized_nodes.count(node.get()) ||
        (role != QuantRole::kWeighted && role != QuantRole::kElementwise))
      continue;
    const ir::Value* out = node->outputs[0];
    if (out->consumers.size() != 1 || is_graph_output(graph, out)) continue;
    const ir::Node* act = out->consumers[0];
    if (!plan.quantized_nodes.count(act) || act->inputs[0] != out) continue;
    if (act->op == OpType::kRelu || act->op == OpType::kClip) plan.fused.insert(out);
  }

  // Activations: data inputs and float outputs of quantized nodes, minus fused pre-activations.
  std::unordered_map<const ir::Value*, int> index_of;
  auto add_activation = [&](ir::Value* v) {
    if (!is_f32_activation(v) || plan.fused.count(v) || index_of.count(v)) return;
    index_of[v] = static_cast<int>(plan.activations.size());
    plan.activations.push_back(v);
  };
  for (const auto& node : graph.nodes()) {
    if (!plan.quantized_nodes.count(node.get())) continue;
    for (int i : data_input_indices(*node, quant_role(node->op))) add_activation(node->inputs[i]);
    for (ir::Value* out : node->outputs) add_activation(out);
  }

  // Tied params: data inputs and outputs of data-movement ops share one group.
  Groups groups(plan.activations.size());
  std::vector<std::pair<const ir::Value*, const ir::Value*>> tied_constants;  // (constant, member)
  for (const auto& node : graph.nodes()) {
    if (!plan.quantized_nodes.count(node.get()) || quant_role(node->op) != QuantRole::kTied)
      continue;
    const int anchor = index_of.at(node->outputs[0]);
    for (const ir::Value* out : node->outputs)
      if (index_of.count(out)) groups.join(index_of.at(out), anchor);
    for (int i : data_input_indices(*node, QuantRole::kTied)) {
      const ir::Value* in = node->inputs[i];
      if (!in) continue;
      if (index_of.count(in)) {
        groups.join(index_of.at(in), anchor);
      } else if (is_f32_constant(in)) {
        tied_constants.emplace_back(in, node->outputs[0]);
      }
    }
  }

  // Per-group params: fixed when a member has fixed output params, else over the union of the
  // members' ranges (and of tied constants' values).
  struct GroupState {
    std::optional<ir::QuantParams> fixed;  // first fixed params met in the group
    std::optional<FloatRange> range;       // union of member ranges
  };
  std::unordered_map<int, GroupState> state;
  auto extend = [](GroupState& g, FloatRange r) {
    if (!g.range) {
      g.range = r;
    } else {
      g.range->min = std::min(g.range->min, r.min);
      g.range->max = std::max(g.range->max, r.max);
    }
  };
  for (size_t i = 0; i < plan.activations.size(); ++i) {
    const ir::Value* v = plan.activations[i];
    GroupState& g = state[groups.find(static_cast<int>(i))];
    const ir::Node* producer = v->producer;
    if (producer && plan.quantized_nodes.count(producer)) {
      if (auto fixed = fixed_output_params(*producer, options)) {
        if (!g.fixed) g.fixed = fixed;
        continue;
      }
    }
    if (auto o = options.range_overrides.find(v->name); o != options.range_overrides.end()) {
      extend(g, o->second);
      continue;
    }
    const Histogram* h = calibration.find(v->name);
    if (!h || h->empty())
      return Status::Error("value '" + v->name +
                           "' has no calibration data (calibrate the same prepared graph that is "
                           "quantized)");
    RangeOptions range_options = options.activation_range;
    if (is_graph_input(graph, v)) range_options.method = RangeMethod::kMinMax;
    extend(g, apply_reader_bounds(
                  graph, v, apply_producer_bounds(producer, estimate_range(*h, range_options))));
  }
  for (const auto& [constant, member] : tied_constants) {
    const std::vector<float> values = constant->constant->to_f32();
    if (values.empty()) continue;
    const auto [lo, hi] = std::minmax_element(values.begin(), values.end());
    extend(state[groups.find(index_of.at(member))], FloatRange{*lo, *hi});
  }
  for (size_t i = 0; i < plan.activations.size(); ++i) {
    const GroupState& g = state[groups.find(static_cast<int>(i))];
    plan.params[plan.activations[i]] =
        g.fixed ? *g.fixed : choose_asymmetric_params(g.range->min, g.range->max);
  }
  for (const auto& [constant, member] : tied_constants) plan.params[constant] = plan.params[member];
  // TFLite's int8 HARD_SWISH needs output_scale > input_scale / 128 (its output multiplier must
  // be below one); widen an output range that is narrower than that.
  for (const auto& node : graph.nodes()) {
    if (node->op != OpType::kHardSwish || !plan.quantized_nodes.count(node.get())) continue;
    auto in = plan.params.find(node->inputs[0]);
    auto out = plan.params.find(node->outputs[0]);
    if (in == plan.params.end() || out == plan.params.end()) continue;
    const float floor = in->second.scale[0] / 128.0f * 1.01f;
    if (out->second.scale[0] >= floor) continue;
    const float lo = out->second.scale[0] * (-128 - out->second.zero_point[0]);
    const ir::QuantParams widened = choose_asymmetric_params(lo, lo + 255.0f * floor);
    // The whole tied group of the output moves with it.
    auto idx = index_of.find(node->outputs[0]);
    if (idx == index_of.end()) continue;
    const int group = groups.find(idx->second);
    for (size_t i = 0; i < plan.activations.size(); ++i)
      if (groups.find(static_cast<int>(i)) == group) plan.params[plan.activations[i]] = widened;
  }
  // Mixed precision: activations kept in float lose their Q/DQ pair (their params were still
  // planned above so that tied groups and every other activation are unchanged).
  if (!options.float_values.empty()) {
    const std::unordered_set<std::string> keep(options.float_values.begin(),
                                               options.float_values.end());
    std::erase_if(plan.activations, [&](const ir::Value* v) {
      if (!keep.count(v->name) || is_graph_input(graph, v)) return false;
      plan.params.erase(v);
      return true;
    });
  }
  return plan;
}

}  // namespace mconv::quant
