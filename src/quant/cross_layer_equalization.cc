#include "quant/cross_layer_equalization.h"

#include <algorithm>
#include <cmath>
#include <unordered_set>

namespace mconv::quant {
namespace {

using ir::OpType;

bool is_graph_output(const ir::Graph& graph, const ir::Value* v) {
  return std::find(graph.outputs.begin(), graph.outputs.end(), v) != graph.outputs.end();
}

bool is_f32_constant(const ir::Value* v) {
  return v && v->is_constant() && v->constant->dtype() == DType::kF32;
}

int channel_axis(ir::Layout layout) {
  return layout == ir::Layout::kNHWC ? 3 : 1;
}

// A Conv with constant f32 OIHW weights and a constant (or no) bias.
bool constant_conv(const ir::Node& node) {
  if (node.op != OpType::kConv || node.inputs.size() < 2 || !is_f32_constant(node.inputs[1]))
    return false;
  if (node.layout != ir::Layout::kNCHW && node.layout != ir::Layout::kNHWC) return false;
  if (node.inputs.size() > 2 && node.inputs[2] && !is_f32_constant(node.inputs[2])) return false;
  return node.inputs[1]->constant->rank() == 4;
}

// Where the per-channel factor goes: the readers taking it into their weights, and every value
// that carries the scaled channels.
struct Plan {
  ir::Layout layout = ir::Layout::kNCHW;
  int axis = 1;
  int64_t channels = 0;
  std::vector<ir::Node*> absorbers;
  std::vector<ir::Value*> scaled;
  std::vector<ir::Node*> muls;  // Mul nodes passing the factor on (the other operand unchanged)
  std::unordered_set<const ir::Node*> visited;
};

std::vector<size_t> slots_of(const ir::Node& node, const ir::Value* v) {
  std::vector<size_t> out;
  for (size_t i = 0; i < node.inputs.size(); ++i)
    if (node.inputs[i] == v) out.push_back(i);
  return out;
}

// A ReduceMean over spatial axes only that keeps the rank (the channel axis stays in place).
bool spatial_reduce_mean(const ir::Node& node, int axis) {
  if (node.attrs.get_int("keepdims", 1) == 0) return false;
  std::vector<int64_t> axes = node.attrs.get_ints("axes");
  if (node.inputs.size() > 1 && node.inputs[1]) {
    if (!node.inputs[1]->is_constant()) return false;
    const Tensor& t = *node.inputs[1]->constant;
    if (t.dtype() != DType::kI64 && t.dtype() != DType::kI32) return false;
    axes.clear();
    for (int64_t i = 0; i < t.element_count(); ++i)
      axes.push_back(t.dtype() == DType::kI64 ? t.data<int64_t>()[i] : t.data<int32_t>()[i]);
  }
  if (axes.empty()) return false;
  for (int64_t a : axes)
    if (a == axis || a == axis - 4 || a == 0 || a == -4) return false;
  return true;
}

bool plan_scaling(const ir::Graph& graph, ir::Value* v, Plan& plan) {
  if (is_graph_output(graph, v) || v->consumers.empty() || !v->has_shape || v->shape.size() != 4 ||
      v->shape[plan.axis].size != plan.channels)
    return false;
  plan.scaled.push_back(v);
  std::vector<ir::Node*> readers = v->consumers;
  std::sort(readers.begin(), readers.end());
  readers.erase(std::unique(readers.begin(), readers.end()), readers.end());
  for (ir::Node* reader : readers) {
    if (!plan.visited.insert(reader).second) return false;
    const std::vector<size_t> slots = slots_of(*reader, v);
    if (slots.size() != 1) return false;
    if (slots[0] == 0 && constant_conv(*reader) && reader->layout == plan.layout) {
      const Tensor& w = *reader->inputs[1]->constant;
      const int64_t group = reader->attrs.get_int("group", 1);
      const bool full = group == 1 && w.dim(1) == plan.channels;
      const bool depthwise = group == plan.channels && w.dim(0) == plan.channels && w.dim(1) == 1;
      if (!full && !depthwise) return false;
      plan.absorbers.push_back(reader);
      continue;
    }
    if (reader->outputs.size() != 1) return false;
    switch (reader->op) {
      case OpType::kRelu:
      case OpType::kMaxPool:
      case OpType::kAveragePool:
      case OpType::kGlobalAveragePool:
        if (slots[0] != 0) return false;
        break;
      case OpType::kReduceMean:
        if (slots[0] != 0 || !spatial_reduce_mean(*reader, plan.axis)) return false;
        break;
      case OpType::kMul:
        if (reader->inputs.size() != 2) return false;
        plan.muls.push_back(reader);
        break;
      default:
        return false;
    }
    if (!plan_scaling(graph, reader->outputs[0], plan)) return false;
  }
  return true;
}

// Largest |w| per channel `c` of OIHW weights along dimension `dim` (0: output, 1: input).
std::vector<double> abs_max_along(const Tensor& w, int dim) {
  const std::vector<float> v = w.to_f32();
  const int64_t o = w.dim(0), i = w.dim(1), k = w.dim(2) * w.dim(3);
  std::vector<double> out(static_cast<size_t>(w.dim(dim)), 0.0);
  for (int64_t a = 0; a < o; ++a)
    for (int64_t b = 0; b < i; ++b)
      for (int64_t e = 0; e < k; ++e) {
        const double x = std::fabs(v[static_cast<size_t>((a * i + b) * k + e)]);
        double& m = out[static_cast<size_t>(dim == 0 ? a : b)];
        m = std::max(m, x);
      }
  return out;
}

// Per input channel of a group-1 Conv: its largest weight relative to the largest weight of the
// same output channel (what per-output-channel scales quantize it against), maximised over the
// output channels.
std::vector<double> relative_column_max(const Tensor& w) {
  const std::vector<float> v = w.to_f32();
  const int64_t o = w.dim(0), i = w.dim(1), k = w.dim(2) * w.dim(3);
  const std::vector<double> row = abs_max_along(w, 0);
  std::vector<double> out(static_cast<size_t>(i), 0.0);
  for (int64_t a = 0; a < o; ++a) {
    if (!(row[static_cast<size_t>(a)] > 0)) continue;
    for (int64_t b = 0; b < i; ++b)
      for (int64_t e = 0; e < k; ++e) {
        const double x =
            std::fabs(v[static_cast<size_t>((a * i + b) * k + e)]) / row[static_cast<size_t>(a)];
        out[static_cast<size_t>(b)] = std::max(out[static_cast<size_t>(b)], x);
      }
  }
  return out;
}

// Multiplies slice `c` along dimension `dim` of OIHW weights (or of a 1-D bias, dim 0) by
// factor[c]; returns the new constant.
ir::Value* scaled_constant(ir::Graph& graph, const ir::Value* w, int dim,
                           const std::vector<double>& factor) {
  const Tensor& t = *w->constant;
  std::vector<float> v = t.to_f32();
  const int64_t outer = dim == 0 ? 1 : t.dim(0);
  const int64_t n = t.dim(dim);
  int64_t inner = 1;
  for (int64_t d = dim + 1; d < t.rank(); ++d) inner *= t.dim(d);
  for (int64_t a = 0; a < outer; ++a)
    for (int64_t c = 0; c < n; ++c)
      for (int64_t e = 0; e < inner; ++e) {
        float& x = v[static_cast<size_t>((a * n + c) * inner + e)];
        x = static_cast<float>(x * factor[static_cast<size_t>(c)]);
      }
  return graph.add_constant(w->name + "_cle", Tensor::FromVector(DType::kF32, t.shape(), v));
}

// Per-channel spread (range widened to include 0) of the first value in `plan.scaled` that the
// calibration measured per channel, preferring the value after a Relu the producer feeds.
const ChannelRanges* producer_ranges(const Plan& plan, const CalibrationResult& channels,
                                     const ir::Value** value) {
  const ChannelRanges* found = nullptr;
  for (const ir::Value* v : plan.scaled) {
    auto it = channels.channel_ranges.find(v->name);
    if (it == channels.channel_ranges.end() ||
        it->second.max.size() != static_cast<size_t>(plan.channels))
      continue;
    found = &it->second;
    *value = v;
    // The Conv output itself is not quantized when its sole reader is a fused Relu.
    const bool pre_relu = v->consumers.size() == 1 && v->consumers[0]->op == OpType::kRelu;
    if (!pre_relu) break;
  }
  return found;
}

bool equalize(ir::Graph& graph, ir::Node* producer, const CalibrationResult& channels,
              const EqualizationOptions& options) {
  Plan plan;
  plan.layout = producer->layout;
  plan.axis = channel_axis(producer->layout);
  plan.channels = producer->inputs[1]->constant->dim(0);
  if (!plan_scaling(graph, producer->outputs[0], plan) || plan.absorbers.empty()) return false;
  // A Mul must multiply by something the rewrite leaves alone.
  const std::unordered_set<const ir::Value*> scaled(plan.scaled.begin(), plan.scaled.end());
  for (const ir::Node* mul : plan.muls)
    if (scaled.count(mul->inputs[0]) && scaled.count(mul->inputs[1])) return false;
  const ir::Value* ranges_value = nullptr;
  const ChannelRanges* ranges = producer_ranges(plan, channels, &ranges_value);
  if (!ranges) return false;

  const size_t n = static_cast<size_t>(plan.channels);
  const Histogram* histogram = channels.find(ranges_value->name);
  if (!histogram) return false;
  const FloatRange clipped = estimate_range(*histogram, options.range);
  const double p = std::max<double>(clipped.max, 0.0) - std::min<double>(clipped.min, 0.0);
  if (!(p > 0)) return false;
  std::vector<double> w(n, 1.0);
  bool full_reader = false;
  for (const ir::Node* a : plan.absorbers) {
    if (a->attrs.get_int("group", 1) != 1) continue;
    if (!full_reader) std::fill(w.begin(), w.end(), 0.0);
    full_reader = true;
    const std::vector<double> col = relative_column_max(*a->inputs[1]->constant);
    for (size_t c = 0; c < n; ++c) w[c] = std::max(w[c], col[c]);
  }
  const double alpha = full_reader ? options.alpha : 1.0;
  std::vector<double> s(n);
  bool changes = false;
  for (size_t c = 0; c < n; ++c) {
    const double r = std::max<double>(ranges->max[c], 0.0) - std::min<double>(ranges->min[c], 0.0);
    const double rc = std::max(r / p, options.min_ratio);
    const double wc = std::max(w[c], options.min_ratio);
    s[c] = std::min(1.0, std::pow(rc, alpha) / std::pow(wc, 1.0 - alpha));
    changes = changes || s[c] < 1.0;
  }
  if (!changes) return false;

  std::vector<double> inverse(n);
  for (size_t c = 0; c < n; ++c) inverse[c] = 1.0 / s[c];
  graph.set_input(producer, 1, scaled_constant(graph, producer->inputs[1], 0, inverse));
  if (producer->inputs.size() > 2 && producer->inputs[2])
    graph.set_input(producer, 2, scaled_constant(graph, producer->inputs[2], 0, inverse));
  for (ir::Node* a : plan.absorbers) {
    const int dim = a->attrs.get_int("group", 1) == 1 ? 1 : 0;
    graph.set_input(a, 1, scaled_constant(graph, a->inputs[1], dim, s));
  }
  return true;
}

}  // namespace

Expected<EqualizationResult> equalize_channel_ranges(ir::Graph& graph,
                                                     const CalibrationResult& channels,
                                                     const EqualizationOptions& options) {
  EqualizationResult result;
  if (!options.enabled) return result;
  std::vector<ir::Node*> producers;
  for (const auto& node : graph.nodes())
    if (constant_conv(*node) && node->outputs.size() == 1) producers.push_back(node.get());
  for (ir::Node* p : producers)
    if (equalize(graph, p, channels, options)) result.producers.push_back(p->name);
  graph.remove_dead();
  MCONV_RETURN_IF_ERROR(graph.topological_sort());
  return result;
}

}  // namespace mconv::quant
