#include "passes/fold_batchnorm.h"

#include <algorithm>
#include <cmath>
#include <vector>

namespace mconv::passes {
namespace {

bool is_graph_output(const ir::Graph& graph, const ir::Value* value) {
  return std::find(graph.outputs.begin(), graph.outputs.end(), value) != graph.outputs.end();
}

bool is_float_constant(const ir::Value* v) {
  return v && v->is_constant() && dtype_is_float(v->constant->dtype());
}

// The per-channel affine map y = scale * x + shift of one BN node.
struct ChannelAffine {
  std::vector<float> scale;  // s = gamma / sqrt(var + eps)
  std::vector<float> shift;  // t = beta - mean * s
};

bool has_constant_parameters(const ir::Node& bn) {
  for (int i = 1; i <= 4; ++i)
    if (!is_float_constant(bn.inputs[i])) return false;
  return true;
}

Expected<ChannelAffine> bn_affine(const ir::Node& bn) {
  const std::vector<float> gamma = bn.inputs[1]->constant->to_f32();
  const std::vector<float> beta = bn.inputs[2]->constant->to_f32();
  const std::vector<float> mean = bn.inputs[3]->constant->to_f32();
  const std::vector<float> var = bn.inputs[4]->constant->to_f32();
  const size_t channels = gamma.size();
  if (beta.size() != channels || mean.size() != channels || var.size() != channels)
    return Status::Error("node '" + bn.name + "' (BatchNormalization): parameter sizes differ");
  const double eps = bn.attrs.get_float("epsilon", 1e-5f);
  ChannelAffine affine;
  affine.scale.resize(channels);
  affine.shift.resize(channels);
  for (size_t c = 0; c < channels; ++c) {
    const double s = gamma[c] / std::sqrt(static_cast<double>(var[c]) + eps);
    affine.scale[c] = static_cast<float>(s);
    affine.shift[c] = static_cast<float>(beta[c] - mean[c] * s);
  }
  return affine;
}

// Conv -> BN where the Conv output feeds only the BN: scale the weights, fold the shift into bias.
bool fold_into_conv(ir::Graph& graph, ir::Node* bn, const ChannelAffine& affine) {
  ir::Value* x = bn->inputs[0];
  ir::Node* conv = x->producer;
  if (!conv || conv->op != ir::OpType::kConv || x->consumers.size() != 1 ||
      is_graph_output(graph, x))
    return false;
  ir::Value* weight = conv->inputs[1];
  ir::Value* bias = conv->inputs.size() > 2 ? conv->inputs[2] : nullptr;
  if (!is_float_constant(weight) || (bias && !is_float_constant(bias))) return false;
  const Tensor& w = *weight->constant;
  const int64_t out_channels = w.rank() > 0 ? w.dim(0) : 0;
  if (out_channels != static_cast<int64_t>(affine.scale.size())) return false;

  std::vector<float> wf = w.to_f32();
  const int64_t per_channel = out_channels ? static_cast<int64_t>(wf.size()) / out_channels : 0;
  for (int64_t o = 0; o < out_channels; ++o)
    for (int64_t k = 0; k < per_channel; ++k) wf[o * per_channel + k] *= affine.scale[o];
  std::vector<float> bf(out_channels, 0.0f);
  if (bias) bf = bias->constant->to_f32();
  for (int64_t o = 0; o < out_channels; ++o) bf[o] = bf[o] * affine.scale[o] + affine.shift[o];

  ir::Value* new_weight = graph.add_constant(weight->name + "_bnfolded",
                                             Tensor::FromVector(DType::kF32, w.shape(), wf));
  ir::Value* new_bias = graph.add_constant(conv->name + "_bias_bnfolded",
                                           Tensor::FromVector(DType::kF32, {out_channels}, bf));
  graph.set_input(conv, 1, new_weight);
  graph.set_input(conv, 2, new_bias);

  // The Conv now writes the BN's output value directly, keeping its name (it may be an output).
  ir::Value* y = bn->outputs[0];
  graph.remove_node(bn);
  conv->outputs[0] = y;
  y->producer = conv;
  x->producer = nullptr;
  return true;
}

// Any other BN: y = x * s + t with constants broadcasting along the channel axis.
void replace_with_mul_add(ir::Graph& graph, ir::Node* bn, const ChannelAffine& affine) {
  ir::Value* x = bn->inputs[0];
  ir::Value* y = bn->outputs[0];
  const int64_t channels = static_cast<int64_t>(affine.scale.size());
  const int rank = x->has_shape ? static_cast<int>(x->shape.size()) : 4;
  std::vector<int64_t> const_shape;
  if (bn->layout == ir::Layout::kNHWC) {
    const_shape = {channels};  // broadcasts along the last axis
  } else {
    const_shape.assign(std::max(rank - 1, 1), 1);  // [C, 1, ...] aligned after the batch axis
    const_shape[0] = channels;
  }
  ir::Value* s = graph.add_constant(bn->name + "_scale",
                                    Tensor::FromVector(DType::kF32, const_shape, affine.scale));
  ir::Value* t = graph.add_constant(bn->name + "_shift",
                                    Tensor::FromVector(DType::kF32, const_shape, affine.shift));
  ir::Value* scaled = graph.add_value(y->name + "_scaled", y->dtype, y->shape, y->has_shape);
  const std::string name = bn->name;
  graph.remove_node(bn);
  graph.add_node(ir::OpType::kMul, name + "_mul", {x, s}, {scaled});
  graph.add_node(ir::OpType::kAdd, name + "_add", {scaled, t}, {y});
}

}  // namespace

Expected<PassResult> fold_batchnorm(ir::Graph& graph) {
  PassResult result;
  std::vector<ir::Node*> bns;
  for (const auto& n : graph.nodes())
    if (n->op == ir::OpType::kBatchNormalization && n->inputs.size() >= 5 && n->inputs[0])
      bns.push_back(n.get());
  for (ir::Node* bn : bns) {
    if (!has_constant_parameters(*bn)) continue;  // computed statistics: the BN stays
    MCONV_ASSIGN_OR_RETURN(ChannelAffine affine, bn_affine(*bn));
    if (!fold_into_conv(graph, bn, affine)) replace_with_mul_add(graph, bn, affine);
    ++result.changes;
  }
  if (result.changes > 0) {
    MCONV_RETURN_IF_ERROR(graph.topological_sort());
    graph.remove_dead();
  }
  return result;
}

}  // namespace mconv::passes
