#include "zoo/onnx_weights.h"

#include <memory>
#include <vector>

#include "onnx/onnx_importer.h"

namespace mconv::zoo {

namespace {

using ir::Node;
using ir::OpType;
using ir::Value;

std::vector<Node*> parameter_layers(const ir::Graph& graph) {
  std::vector<Node*> layers;
  for (const auto& node : graph.nodes())
    if (node->op == OpType::kConv || node->op == OpType::kGemm) layers.push_back(node.get());
  return layers;
}

Tensor transpose_2d(const Tensor& t) {
  const int64_t rows = t.dim(0), cols = t.dim(1);
  Tensor out(t.dtype(), {cols, rows});
  const float* src = t.data<float>();
  float* dst = out.data<float>();
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t c = 0; c < cols; ++c) dst[c * rows + r] = src[r * cols + c];
  return out;
}

Tensor filled(int64_t n, float value) {
  return Tensor::FromVector(DType::kF32, {n}, std::vector<float>(n, value));
}

// The BatchNormalization reading `conv`'s output, if that is its only consumer.
Node* following_batchnorm(const Node& conv) {
  const Value* out = conv.outputs[0];
  if (out->consumers.size() != 1) return nullptr;
  Node* next = out->consumers[0];
  return next->op == OpType::kBatchNormalization && next->inputs[0] == out ? next : nullptr;
}

}  // namespace

Status load_onnx_weights(ir::Graph& graph, const std::string& onnx_path) {
  MCONV_ASSIGN_OR_RETURN(ir::Model source, onnx::import_onnx_file(onnx_path));
  const std::vector<Node*> theirs = parameter_layers(source.graph);
  const std::vector<Node*> mine = parameter_layers(graph);
  if (theirs.size() != mine.size())
    return Status::Error(onnx_path + ": has " + std::to_string(theirs.size()) +
                         " Conv/Gemm layers, the zoo architecture has " +
                         std::to_string(mine.size()));
  for (size_t i = 0; i < mine.size(); ++i) {
    Node& to = *mine[i];
    const Node& from = *theirs[i];
    auto mismatch = [&](const std::string& what) {
      return Status::Error(onnx_path + ": layer " + std::to_string(i) + " '" + from.name + "' (" +
                           std::string(ir::op_name(from.op)) + "): " + what + " does not fit '" +
                           to.name + "' (" + std::string(ir::op_name(to.op)) + ")");
    };
    if (from.op != to.op) return mismatch("operator");
    const Value* w = from.inputs.size() > 1 ? from.inputs[1] : nullptr;
    if (!w || !w->constant) return mismatch("non-constant weight");
    Tensor weight = w->constant->cast(DType::kF32);
    if (from.op == OpType::kGemm) {
      if (from.attrs.get_int("transA", 0) != 0 || from.attrs.get_float("alpha", 1.f) != 1.f ||
          from.attrs.get_float("beta", 1.f) != 1.f)
        return mismatch("Gemm form (transA/alpha/beta)");
      if (weight.rank() == 2 && from.attrs.get_int("transB", 0) == 0) weight = transpose_2d(weight);
    } else {
      for (const char* attr : {"strides", "dilations"})
        if (from.attrs.get_ints(attr, {1, 1}) != to.attrs.get_ints(attr, {1, 1}))
          return mismatch(attr);
      if (from.attrs.get_int("group", 1) != to.attrs.get_int("group", 1)) return mismatch("group");
      if (from.attrs.get_ints("pads", {0, 0, 0, 0}) != to.attrs.get_ints("pads", {0, 0, 0, 0}))
        return mismatch("pads");
    }
    const Tensor& expected = *to.inputs[1]->constant;
    if (weight.shape() != expected.shape())
      return mismatch("weight " + weight.describe() + " vs " + expected.describe() + ":");
    const int64_t out_channels = weight.dim(0);
    Tensor bias = filled(out_channels, 0.f);
    if (from.inputs.size() > 2 && from.inputs[2]) {
      if (!from.inputs[2]->constant) return mismatch("non-constant bias");
      bias = from.inputs[2]->constant->cast(DType::kF32);
      if (bias.shape() != std::vector<int64_t>{out_channels})
        return mismatch("bias " + bias.describe());
    }
    to.inputs[1]->constant = std::make_shared<const Tensor>(std::move(weight));
    if (to.inputs.size() > 2 && to.inputs[2]) {
      to.inputs[2]->constant = std::make_shared<const Tensor>(std::move(bias));
    } else if (Node* bn = following_batchnorm(to)) {
      // y = gamma * (x - mean) / sqrt(var + eps) + beta with gamma 1, mean 0, var 1 - eps:
      // the identity plus the file's bias.
      const float eps = bn->attrs.get_float("epsilon", 1e-5f);
      bn->inputs[1]->constant = std::make_shared<const Tensor>(filled(out_channels, 1.f));
      bn->inputs[2]->constant = std::make_shared<const Tensor>(std::move(bias));
      bn->inputs[3]->constant = std::make_shared<const Tensor>(filled(out_channels, 0.f));
      bn->inputs[4]->constant = std::make_shared<const Tensor>(filled(out_channels, 1.f - eps));
    } else {
      return mismatch("bias (the zoo layer has neither a bias nor a BatchNormalization)");
    }
  }
  return Status::Ok();
}

}  // namespace mconv::zoo
