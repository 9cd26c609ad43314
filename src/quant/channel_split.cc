#include "quant/channel_split.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <numeric>
#include <string>
#include <unordered_set>
#include <vector>

#include "core/bytes.h"
#include "ir/derived_names.h"

namespace mconv::quant {
namespace {

using ir::OpType;

bool is_graph_output(const ir::Graph& graph, const ir::Value* v) {
  return std::find(graph.outputs.begin(), graph.outputs.end(), v) != graph.outputs.end();
}

// Unary ops that act on each channel independently (with channel-independent parameters).
bool is_channelwise_unary(const ir::Node& node) {
  switch (node.op) {
    case OpType::kRelu:
    case OpType::kLeakyRelu:
    case OpType::kHardSwish:
    case OpType::kHardSigmoid:
    case OpType::kSigmoid:
    case OpType::kTanh:
      return true;
    case OpType::kClip:
      for (size_t i = 1; i < node.inputs.size(); ++i)
        if (node.inputs[i] &&
            (!node.inputs[i]->is_constant() || node.inputs[i]->constant->element_count() != 1))
          return false;
      return true;
    default:
      return false;
  }
}

bool constant_f32(const ir::Value* v) {
  return v && v->is_constant() && v->constant->dtype() == DType::kF32;
}

// Conv -> channel-wise unary* -> depthwise Conv -> channel-wise unary*.
struct Chain {
  std::vector<ir::Node*> nodes;  // in order, head Conv first
  size_t depthwise = 0;          // index of the depthwise Conv in `nodes`
  int axis = 1;                  // channel axis of every value in the chain
  int64_t channels = 0;          // channel count
};

bool find_chain(const ir::Graph& graph, ir::Node* head, Chain* chain) {
  if (head->op != OpType::kConv || head->attrs.get_int("group", 1) != 1) return false;
  if (head->layout != ir::Layout::kNCHW && head->layout != ir::Layout::kNHWC) return false;
  if (!head->inputs[0] || head->inputs[0]->is_constant() || !constant_f32(head->inputs[1]))
    return false;
  if (head->inputs.size() > 2 && head->inputs[2] && !constant_f32(head->inputs[2])) return false;
  const Tensor& w = *head->inputs[1]->constant;
  if (w.rank() != 4) return false;
  chain->channels = w.dim(0);
  chain->axis = head->layout == ir::Layout::kNHWC ? 3 : 1;
  chain->nodes = {head};
  ir::Value* cur = head->outputs[0];
  auto single_reader = [&](const ir::Value* v) -> ir::Node* {
    if (!v->has_shape || v->shape.size() != 4 || is_graph_output(graph, v) ||
        v->consumers.size() != 1 || v->consumers[0]->inputs[0] != v)
      return nullptr;
    return v->consumers[0];
  };
  for (;;) {
    ir::Node* next = single_reader(cur);
    if (!next) return false;
    if (is_channelwise_unary(*next)) {
      chain->nodes.push_back(next);
      cur = next->outputs[0];
      continue;
    }
    if (next->op != OpType::kConv || next->layout != head->layout ||
        next->attrs.get_int("group", 1) != chain->channels || !constant_f32(next->inputs[1]))
      return false;
    const Tensor& dw = *next->inputs[1]->constant;
    if (dw.rank() != 4 || dw.dim(0) != chain->channels || dw.dim(1) != 1) return false;
    if (next->inputs.size() > 2 && next->inputs[2] && !constant_f32(next->inputs[2])) return false;
    chain->depthwise = chain->nodes.size();
    chain->nodes.push_back(next);
    cur = next->outputs[0];
    break;
  }
  while (ir::Node* next = single_reader(cur)) {
    if (!is_channelwise_unary(*next)) break;
    chain->nodes.push_back(next);
    cur = next->outputs[0];
  }
  return true;
}

// Spread of channel c of a value (its range widened to include 0, as int8 params are).
double channel_spread(const ChannelRanges& r, size_t c) {
  return std::max<double>(r.max[c], 0.0) - std::min<double>(r.min[c], 0.0);
}

// Contiguous groups (in `order`) minimising sum over values and channels of
// group spread^2 * weight (1 / channel spread^2, or the channel's gain when `gains` is given);
// returns group boundaries [0, b1, ..., C] and the cost.
std::pair<std::vector<size_t>, double> best_groups(const std::vector<const ChannelRanges*>& values,
                                                   const std::vector<std::vector<double>>& gains,
                                                   const std::vector<size_t>& order,
                                                   int max_groups) {
  const size_t n = order.size(), w = n + 1;
  // cost[i * w + j]: channels order[i..j) as one group.
  std::vector<double> cost(w * w, 0.0);
  std::vector<double> lo(values.size()), hi(values.size()), sum(values.size());
  for (size_t i = 0; i < n; ++i) {
    std::fill(lo.begin(), lo.end(), 0.0);
    std::fill(hi.begin(), hi.end(), 0.0);
    std::fill(sum.begin(), sum.end(), 0.0);
    for (size_t j = i + 1; j <= n; ++j) {
      const size_t c = order[j - 1];
      double total = 0;
      for (size_t v = 0; v < values.size(); ++v) {
        const ChannelRanges& r = *values[v];
        lo[v] = std::min<double>(lo[v], r.min[c]);
        hi[v] = std::max<double>(hi[v], r.max[c]);
        if (gains.empty()) {
          const double spread = std::max(channel_spread(r, c), 1e-12);
          sum[v] += 1.0 / (spread * spread);
        } else {
          sum[v] += gains[v][c];
        }
        const double group = hi[v] - lo[v];
        total += group * group * sum[v];
      }
      cost[i * w + j] = total;
    }
  }
  // best[k * w + j]: the first j channels in k groups; cut: where the last group starts.
  const double inf = std::numeric_limits<double>::infinity();
  const size_t groups = static_cast<size_t>(std::clamp<int>(max_groups, 1, static_cast<int>(n)));
  std::vector<double> best((groups + 1) * w, inf);
  std::vector<size_t> cut((groups + 1) * w, 0);
  best[0] = 0;
  for (size_t k = 1; k <= groups; ++k)
    for (size_t j = 1; j <= n; ++j)
      for (size_t i = k - 1; i < j; ++i) {
        const double c = best[(k - 1) * w + i] + cost[i * w + j];
        if (c < best[k * w + j]) best[k * w + j] = c, cut[k * w + j] = i;
      }
  // Each extra group must cut the cost by at least 10% to be worth its nodes.
  size_t k_best = 1;
  for (size_t k = 2; k <= groups; ++k)
    if (best[k * w + n] < 0.9 * best[k_best * w + n]) k_best = k;
  std::vector<size_t> bounds = {n};
  for (size_t k = k_best, j = n; k > 0; --k) {
    j = cut[k * w + j];
    bounds.push_back(j);
  }
  std::reverse(bounds.begin(), bounds.end());
  return {bounds, best[k_best * w + n]};
}

// Rows `rows` of `t` along axis 0.
Tensor slice_rows(const Tensor& t, const std::vector<int64_t>& rows) {
  std::vector<int64_t> shape = t.shape();
  const int64_t row_bytes = static_cast<int64_t>(t.byte_size()) / std::max<int64_t>(1, shape[0]);
  shape[0] = static_cast<int64_t>(rows.size());
  Tensor out(t.dtype(), shape);
  for (size_t i = 0; i < rows.size(); ++i)
    copy_bytes(out.raw() + i * row_bytes, t.raw() + rows[i] * row_bytes, row_bytes);
  return out;
}

ir::Shape with_channels(ir::Shape shape, int axis, int64_t channels) {
  if (axis < static_cast<int>(shape.size())) shape[axis] = ir::Dim{channels, ""};
  return shape;
}

void split_chain(ir::Graph& graph, const Chain& chain,
                 const std::vector<std::vector<int64_t>>& groups) {
  ir::Value* input = chain.nodes.front()->inputs[0];
  ir::Node* tail = chain.nodes.back();
  ir::Value* result = tail->outputs[0];
  std::vector<ir::Value*> lasts;
  for (size_t g = 0; g < groups.size(); ++g) {
    const std::vector<int64_t>& rows = groups[g];
    const int64_t n = static_cast<int64_t>(rows.size());
    const std::string suffix = "_g" + std::to_string(g);
    ir::Value* prev = input;
    for (size_t k = 0; k < chain.nodes.size(); ++k) {
      const ir::Node* old = chain.nodes[k];
      std::vector<ir::Value*> inputs = old->inputs;
      inputs[0] = prev;
      if (old->op == OpType::kConv) {
        inputs[1] = graph.add_constant(old->inputs[1]->name + suffix,
                                       slice_rows(*old->inputs[1]->constant, rows));
        if (inputs.size() > 2 && inputs[2])
          inputs[2] = graph.add_constant(old->inputs[2]->name + suffix,
                                         slice_rows(*old->inputs[2]->constant, rows));
      }
      const ir::Value* old_out = old->outputs[0];
      ir::Value* out =
          graph.add_value(old_out->name + suffix, old_out->dtype,
                          with_channels(old_out->shape, chain.axis, n), old_out->has_shape);
      ir::Node* node = graph.add_node(old->op, graph.unique_node_name(old->name + suffix),
                                      std::move(inputs), {out});
      node->attrs = old->attrs;
      node->layout = old->layout;
      if (k == chain.depthwise) node->attrs.set("group", n);
      prev = out;
    }
    lasts.push_back(prev);
  }
  // Concat the groups, then gather the channels back into their original order.
  std::vector<int64_t> position(chain.channels, 0);
  int64_t p = 0;
  for (const auto& rows : groups)
    for (int64_t c : rows) position[c] = p++;
  ir::Value* joined = graph.add_value(ir::derived_name(result->name, ir::Derivation::kGrouped),
                                      result->dtype, result->shape, result->has_shape);
  ir::Node* concat = graph.add_node(OpType::kConcat, graph.unique_node_name(tail->name + "_concat"),
                                    lasts, {joined});
  concat->attrs.set("axis", static_cast<int64_t>(chain.axis));
  ir::Value* indices = graph.add_constant(
      result->name + "_channel_order", Tensor::FromVector(DType::kI64, {chain.channels}, position));
  const std::string gather_name = tail->name + "_order";
  for (ir::Node* old : chain.nodes) graph.remove_node(old);  // frees them (and `tail`)
  ir::Node* gather = graph.add_node(OpType::kGather, graph.unique_node_name(gather_name),
                                    {joined, indices}, {result});
  gather->attrs.set("axis", static_cast<int64_t>(chain.axis));
}

}  // namespace

Expected<int> split_channel_groups(ir::Graph& graph, const CalibrationResult& stats,
                                   const ChannelSplitOptions& options) {
  if (options.max_groups < 2) return 0;
  MCONV_RETURN_IF_ERROR(graph.topological_sort());
  std::vector<ir::Node*> heads;
  for (const auto& node : graph.nodes()) heads.push_back(node.get());
  int split = 0;
  const std::unordered_set<std::string> keep(options.keep_whole.begin(), options.keep_whole.end());
  std::unordered_set<const ir::Node*> removed;  // nodes of split chains (freed, never revisit)
  for (ir::Node* head : heads) {
    if (removed.count(head)) continue;
    Chain chain;
    if (!find_chain(graph, head, &chain)) continue;
    if (std::any_of(chain.nodes.begin(), chain.nodes.end(),
                    [&](const ir::Node* n) { return keep.count(n->name) > 0; }))
      continue;
    // Every value but the last (tied to the Concat) weighs in; all need per-channel ranges.
    std::vector<const ChannelRanges*> values;
    bool complete = true;
    for (size_t k = 0; k + 1 < chain.nodes.size(); ++k) {
      auto it = stats.channel_ranges.find(chain.nodes[k]->outputs[0]->name);
      if (it == stats.channel_ranges.end() ||
          static_cast<int64_t>(it->second.min.size()) != chain.channels) {
        complete = false;
        break;
      }
      values.push_back(&it->second);
    }
    if (!complete || values.empty()) continue;
    // Sort channels by the spread of the depthwise Conv's input.
    const ChannelRanges& key = *values[chain.depthwise - 1];
    std::vector<size_t> order(chain.channels);
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
      return channel_spread(key, a) < channel_spread(key, b);
    });
    std::vector<std::vector<double>> gains;
    if (options.cost == ChannelSplitOptions::Cost::kGainWeighted) {
      // Noise on a channel before the depthwise Conv reaches its output scaled by the kernel.
      const Tensor& dw = *chain.nodes[chain.depthwise]->inputs[1]->constant;
      const std::vector<float> w = dw.to_f32();
      const int64_t per = dw.element_count() / chain.channels;
      std::vector<double> kernel(chain.channels, 0.0);
      for (int64_t c = 0; c < chain.channels; ++c)
        for (int64_t k = 0; k < per; ++k) kernel[c] += double(w[c * per + k]) * w[c * per + k];
      for (size_t v = 0; v < values.size(); ++v)
        gains.push_back(v < chain.depthwise ? kernel : std::vector<double>(chain.channels, 1.0));
    }
    const auto [bounds, cost] = best_groups(values, gains, order, options.max_groups);
    const double single = best_groups(values, gains, order, 1).second;
    if (bounds.size() < 3 || !(cost * options.min_gain < single)) continue;
    std::vector<std::vector<int64_t>> groups;
    for (size_t g = 0; g + 1 < bounds.size(); ++g) {
      std::vector<int64_t> rows(order.begin() + bounds[g], order.begin() + bounds[g + 1]);
      std::sort(rows.begin(), rows.end());
      groups.push_back(std::move(rows));
    }
    removed.insert(chain.nodes.begin(), chain.nodes.end());
    split_chain(graph, chain, groups);
    ++split;
  }
  MCONV_RETURN_IF_ERROR(graph.topological_sort());
  graph.remove_dead();
  return split;
}

}  // namespace mconv::quant
