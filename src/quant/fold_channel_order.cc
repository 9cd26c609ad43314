#include "quant/fold_channel_order.h"

#include <algorithm>
#include <deque>
#include <unordered_map>
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

bool is_elementwise_binary(const ir::Node& node) {
  return node.op == OpType::kAdd || node.op == OpType::kSub || node.op == OpType::kMul ||
         node.op == OpType::kDiv;
}

// A spatial mean that keeps the channel axis where it is.
bool is_spatial_mean(const ir::Node& node, int axis) {
  if (node.op == OpType::kGlobalAveragePool) return true;
  if (node.op != OpType::kReduceMean || node.attrs.get_int("keepdims", 1) != 1) return false;
  std::vector<int64_t> axes = node.attrs.get_ints("axes");
  if (node.inputs.size() > 1 && node.inputs[1]) {
    if (!node.inputs[1]->is_constant()) return false;
    for (float a : node.inputs[1]->constant->to_f32()) axes.push_back(static_cast<int64_t>(a));
  }
  if (axes.empty()) return false;
  for (int64_t a : axes)
    if (a == axis || a == axis - 4 || a == 0 || a == -4) return false;
  return true;
}

// Conv with constant f32 weights [O, I/group, kH, kW] and bias (if any); 0 = not one.
bool plain_conv(const ir::Node& node) {
  if (node.op != OpType::kConv || node.inputs.size() < 2 || !node.inputs[1] ||
      !node.inputs[1]->is_constant() || node.inputs[1]->constant->dtype() != DType::kF32 ||
      node.inputs[1]->constant->rank() != 4)
    return false;
  if (node.inputs.size() > 2 && node.inputs[2] &&
      (!node.inputs[2]->is_constant() || node.inputs[2]->constant->dtype() != DType::kF32))
    return false;
  return true;
}

bool is_depthwise(const ir::Node& node, int64_t channels) {
  return plain_conv(node) && node.attrs.get_int("group", 1) == channels &&
         node.inputs[1]->constant->dim(0) == channels && node.inputs[1]->constant->dim(1) == 1;
}

bool is_dense_conv(const ir::Node& node) {
  return plain_conv(node) && node.attrs.get_int("group", 1) == 1;
}

// What one Gather's folding changes.
struct Closure {
  std::unordered_set<ir::Value*> grouped;  // values that take the grouped order
  std::unordered_set<ir::Node*> rows;      // convs whose output channels are permuted
  std::unordered_set<ir::Node*> columns;   // convs whose input channels are permuted
};

// Permutes `t` along `dim`: out[.., position[c], ..] = t[.., c, ..].
Tensor permuted(const Tensor& t, int dim, const std::vector<int64_t>& position) {
  Tensor out(t.dtype(), t.shape());
  int64_t outer = 1, inner = 1;
  for (int d = 0; d < dim; ++d) outer *= t.dim(d);
  for (int d = dim + 1; d < t.rank(); ++d) inner *= t.dim(d);
  const int64_t n = t.dim(dim);
  const int64_t elem =
      static_cast<int64_t>(t.byte_size()) / std::max<int64_t>(1, t.element_count());
  const int64_t block = inner * elem;
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t c = 0; c < n; ++c)
      copy_bytes(out.raw() + (o * n + position[c]) * block, t.raw() + (o * n + c) * block, block);
  return out;
}

// The values and convs that take the grouped order when `gathered` (the Gather's output) is
// replaced by the Concat's output; false when some reader or producer cannot.
bool find_closure(const ir::Graph& graph, ir::Value* gathered, int axis, int64_t channels,
                  Closure* closure) {
  std::deque<ir::Value*> work = {gathered};
  closure->grouped.insert(gathered);
  auto need = [&](ir::Value* v) -> bool {
    if (!v) return false;
    if (v->is_constant()) return v->constant->element_count() == 1;  // scalars only
    if (closure->grouped.insert(v).second) work.push_back(v);
    return true;
  };
  while (!work.empty()) {
    ir::Value* v = work.front();
    work.pop_front();
    if (is_graph_output(graph, v) || !v->has_shape || v->shape.size() != 4 ||
        v->shape[static_cast<size_t>(axis)].size != channels)
      return false;
    // Its producer must write the grouped order.
    if (v != gathered) {
      ir::Node* p = v->producer;
      if (!p) return false;
      if (is_channelwise_unary(*p) || is_spatial_mean(*p, axis)) {
        if (!need(p->inputs[0])) return false;
      } else if (is_depthwise(*p, channels)) {
        closure->rows.insert(p);
        if (!need(p->inputs[0])) return false;
      } else if (is_dense_conv(*p) && p->inputs[1]->constant->dim(0) == channels) {
        closure->rows.insert(p);
      } else if (is_elementwise_binary(*p)) {
        if (!need(p->inputs[0]) || !need(p->inputs[1])) return false;
      } else {
        return false;
      }
    }
    // And every reader must take it.
    for (ir::Node* n : v->consumers) {
      if (is_channelwise_unary(*n) || is_spatial_mean(*n, axis)) {
        if (n->inputs[0] != v || !need(n->outputs[0])) return false;
      } else if (is_depthwise(*n, channels) && n->inputs[0] == v) {
        closure->rows.insert(n);
        if (!need(n->outputs[0])) return false;
      } else if (is_dense_conv(*n) && n->inputs[0] == v &&
                 n->inputs[1]->constant->dim(1) == channels) {
        closure->columns.insert(n);
      } else if (is_elementwise_binary(*n)) {
        if (!need(n->inputs[0]) || !need(n->inputs[1]) || !need(n->outputs[0])) return false;
      } else {
        return false;
      }
    }
  }
  return true;
}

}  // namespace

Expected<ChannelOrderFolding> fold_channel_order(ir::Graph& graph) {
  ChannelOrderFolding result;
  MCONV_RETURN_IF_ERROR(graph.topological_sort());
  std::vector<ir::Node*> gathers;
  for (const auto& node : graph.nodes())
    if (node->op == OpType::kGather) gathers.push_back(node.get());
  for (ir::Node* gather : gathers) {
    ir::Value* joined = gather->inputs[0];
    ir::Value* indices = gather->inputs.size() > 1 ? gather->inputs[1] : nullptr;
    ir::Value* gathered = gather->outputs[0];
    if (!joined || !indices || !indices->is_constant() || !joined->has_shape ||
        joined->shape.size() != 4)
      continue;
    int64_t axis = gather->attrs.get_int("axis", 0);
    if (axis < 0) axis += 4;
    if (axis != 1 && axis != 3) continue;
    const ir::Dim& dim = joined->shape[static_cast<size_t>(axis)];
    if (!dim.known() || indices->constant->rank() != 1 ||
        indices->constant->element_count() != dim.size)
      continue;
    const int64_t channels = dim.size;
    // Gathered channel c is joined channel idx[c]: the grouped position of channel c.
    std::vector<int64_t> position;
    for (float f : indices->constant->to_f32()) position.push_back(static_cast<int64_t>(f));
    std::vector<bool> seen(static_cast<size_t>(channels), false);
    bool permutation = true;
    for (int64_t p : position) {
      if (p < 0 || p >= channels || seen[static_cast<size_t>(p)]) permutation = false;
      if (permutation) seen[static_cast<size_t>(p)] = true;
    }
    if (!permutation) continue;
    Closure closure;
    if (!find_closure(graph, gathered, static_cast<int>(axis), channels, &closure)) {
      ++result.gathers_kept;
      continue;
    }
    // Weights: output rows (axis 0) and/or input channels (axis 1) in the grouped order.
    std::unordered_set<ir::Node*> convs(closure.rows.begin(), closure.rows.end());
    convs.insert(closure.columns.begin(), closure.columns.end());
    for (ir::Node* conv : convs) {
      // A new name too: calibration results are keyed by node (a conv's per-channel input
      // means), and a shared CalibrationCache still holds them in the order before.
      graph.rename_node(conv, ir::derived_name(conv->name, ir::Derivation::kGrouped));
      Tensor w = *conv->inputs[1]->constant;
      if (closure.rows.count(conv)) w = permuted(w, 0, position);
      if (closure.columns.count(conv)) w = permuted(w, 1, position);
      graph.set_input(
          conv, 1,
          graph.add_constant(ir::derived_name(conv->inputs[1]->name, ir::Derivation::kGrouped),
                             std::move(w)));
      if (closure.rows.count(conv) && conv->inputs.size() > 2 && conv->inputs[2])
        graph.set_input(
            conv, 2,
            graph.add_constant(ir::derived_name(conv->inputs[2]->name, ir::Derivation::kGrouped),
                               permuted(*conv->inputs[2]->constant, 0, position)));
    }
    // The grouped values are not the source's tensors any more: derived names.
    for (ir::Value* v : closure.grouped)
      if (v != gathered) {
        std::string old_name = v->name;
        std::string new_name =
            graph.rename_value(v, ir::derived_name(v->name, ir::Derivation::kGrouped));
        result.renamed.emplace_back(std::move(old_name), std::move(new_name));
      }
    graph.replace_all_uses(gathered, joined);
    graph.remove_node(gather);
    ++result.gathers_folded;
  }
  MCONV_RETURN_IF_ERROR(graph.topological_sort());
  graph.remove_dead();
  return result;
}

}  // namespace mconv::quant
