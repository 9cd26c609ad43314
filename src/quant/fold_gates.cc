#include "quant/fold_gates.h"

#include <cmath>
#include <optional>

#include "ir/derived_names.h"

namespace mconv::quant {
namespace {

using ir::OpType;

bool sole_reader(const ir::Graph& graph, const ir::Value* v, const ir::Node* reader) {
  if (v->consumers.size() != 1 || v->consumers[0] != reader) return false;
  for (const ir::Value* out : graph.outputs)
    if (out == v) return false;
  return true;
}

std::optional<float> scalar_constant(const ir::Value* v) {
  if (!v || !v->is_constant() || v->dtype != DType::kF32 || v->constant->element_count() != 1)
    return std::nullopt;
  return v->constant->to_f32()[0];
}

// A Conv with constant f32 weights (and bias) whose output only `reader` reads.
bool foldable_conv(const ir::Graph& graph, const ir::Node* conv, const ir::Node* reader) {
  if (!conv || conv->op != OpType::kConv || !sole_reader(graph, conv->outputs[0], reader))
    return false;
  const ir::Value* w = conv->inputs[1];
  const ir::Value* b = conv->inputs.size() > 2 ? conv->inputs[2] : nullptr;
  return w->is_constant() && w->dtype == DType::kF32 &&
         (!b || (b->is_constant() && b->dtype == DType::kF32));
}

// Conv weights *= scale, bias = bias * scale + shift (a missing bias is created).
void scale_conv(ir::Graph& graph, ir::Node* conv, float scale, float shift) {
  const ir::Value* w = conv->inputs[1];
  std::vector<float> wv = w->constant->to_f32();
  for (float& x : wv) x *= scale;
  graph.set_input(conv, 1,
                  graph.add_constant(ir::derived_name(w->name, ir::Derivation::kGate),
                                     Tensor::FromVector(DType::kF32, w->constant->shape(), wv)));
  const int64_t channels = w->constant->dim(0);
  const ir::Value* b = conv->inputs.size() > 2 ? conv->inputs[2] : nullptr;
  std::vector<float> bv = b ? b->constant->to_f32() : std::vector<float>(channels, 0.0f);
  for (float& x : bv) x = x * scale + shift;
  ir::Value* nb = graph.add_constant(
      ir::derived_name(b ? b->name : conv->name + "_bias", ir::Derivation::kGate),
      Tensor::FromVector(DType::kF32, {channels}, bv));
  if (conv->inputs.size() > 2) {
    graph.set_input(conv, 2, nb);
  } else {
    conv->inputs.push_back(nb);
    nb->consumers.push_back(conv);
  }
}

ir::Value* scalar(ir::Graph& graph, const std::string& name, float v) {
  return graph.add_constant(name, Tensor::FromVector<float>(DType::kF32, {}, {v}));
}

// Conv -> HardSigmoid  =>  scaled Conv -> Clip(0, 1).
bool fold_hard_sigmoid(ir::Graph& graph, ir::Node* hs, GateFolding& out) {
  ir::Node* conv = hs->inputs[0]->producer;
  if (!foldable_conv(graph, conv, hs)) return false;
  const float alpha = hs->attrs.get_float("alpha", 0.2f), beta = hs->attrs.get_float("beta", 0.5f);
  if (!(alpha > 0)) return false;
  scale_conv(graph, conv, alpha, beta);
  ir::Value* x = hs->inputs[0];
  ir::Value* y = hs->outputs[0];
  const std::string name = hs->name;
  graph.remove_node(hs);
  graph.add_node(OpType::kClip, graph.unique_node_name(name + "_clip"),
                 {x, scalar(graph, name + "_lo", 0.0f), scalar(graph, name + "_hi", 1.0f)}, {y});
  out.gates.push_back(y->name);
  return true;
}

// Conv -> Clip(lo, hi) -> Mul(c)  =>  scaled Conv -> Clip(c*lo, c*hi).
bool fold_clip_scale(ir::Graph& graph, ir::Node* mul, GateFolding& out) {
  for (int side = 0; side < 2; ++side) {
    const std::optional<float> c = scalar_constant(mul->inputs[1 - side]);
    ir::Node* clip = mul->inputs[side]->producer;
    if (!c || !(*c > 0) || !clip || clip->op != OpType::kClip ||
        !sole_reader(graph, mul->inputs[side], mul))
      continue;
    const std::optional<float> lo =
        scalar_constant(clip->inputs.size() > 1 ? clip->inputs[1] : nullptr);
    const std::optional<float> hi =
        scalar_constant(clip->inputs.size() > 2 ? clip->inputs[2] : nullptr);
    ir::Node* conv = clip->inputs[0]->producer;
    if (!lo || !hi || !foldable_conv(graph, conv, clip)) continue;
    scale_conv(graph, conv, *c, 0.0f);
    graph.set_input(clip, 1, scalar(graph, clip->name + "_lo", *lo * *c));
    graph.set_input(clip, 2, scalar(graph, clip->name + "_hi", *hi * *c));
    ir::Value* y = mul->outputs[0];
    ir::Value* clipped = clip->outputs[0];
    graph.remove_node(mul);
    graph.replace_all_uses(y, clipped);
    if (std::fabs(*lo * *c) < 1e-7f && std::fabs(*hi * *c - 1.0f) < 1e-6f)
      out.gates.push_back(clipped->name);
    return true;
  }
  return false;
}

// Mul(x, HardSigmoid(x)) with the hard-swish constants => HardSwish(x).
bool fuse_hard_swish(ir::Graph& graph, ir::Node* mul) {
  for (int side = 0; side < 2; ++side) {
    ir::Node* hs = mul->inputs[side]->producer;
    ir::Value* x = mul->inputs[1 - side];
    if (!hs || hs->op != OpType::kHardSigmoid || hs->inputs[0] != x ||
        !sole_reader(graph, mul->inputs[side], mul))
      continue;
    const float alpha = hs->attrs.get_float("alpha", 0.2f),
                beta = hs->attrs.get_float("beta", 0.5f);
    if (std::fabs(alpha - 1.0f / 6.0f) > 1e-6f || std::fabs(beta - 0.5f) > 1e-6f) continue;
    ir::Value* y = mul->outputs[0];
    const std::string name = mul->name;
    graph.remove_node(mul);
    graph.remove_node(hs);
    graph.add_node(OpType::kHardSwish, graph.unique_node_name(name + "_hardswish"), {x}, {y});
    return true;
  }
  return false;
}

}  // namespace

Expected<GateFolding> fold_gates(ir::Graph& graph) {
  GateFolding out;
  // Each rewrite removes nodes, so every round looks for one match in a fresh node list.
  // Hard-swish first: its HardSigmoid reads the same x and is not a gate.
  auto apply_all = [&](OpType op, auto rewrite) {
    for (bool changed = true; changed;) {
      changed = false;
      for (const auto& n : graph.nodes())
        if (n->op == op && rewrite(n.get())) {
          ++out.folded;
          changed = true;
          break;
        }
    }
  };
  apply_all(OpType::kMul, [&](ir::Node* n) { return fuse_hard_swish(graph, n); });
  apply_all(OpType::kHardSigmoid, [&](ir::Node* n) { return fold_hard_sigmoid(graph, n, out); });
  apply_all(OpType::kMul, [&](ir::Node* n) { return fold_clip_scale(graph, n, out); });
  MCONV_RETURN_IF_ERROR(graph.topological_sort());
  graph.remove_dead();
  return out;
}

}  // namespace mconv::quant
