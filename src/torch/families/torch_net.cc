#include "torch/families/torch_net.h"

namespace mconv::torch {

using ir::OpType;

Act TorchNet::input() {
  return {net.input("input", {1, 3, 224, 224}), 3};
}

Act TorchNet::conv(Act x, const std::string& name, int64_t stride, bool bias, int64_t pad,
                   bool grouped) {
  const std::vector<int64_t> w = sd.dims(name + ".weight", 4);
  int64_t groups = 1;  // a weight fitting neither form then shows as a size mismatch
  if (w[1] == 1 && x.channels > 1)
    groups = x.channels;
  else if (grouped && w[1] > 0 && x.channels % w[1] == 0)
    groups = x.channels / w[1];
  return {net.conv(x.value, name, x.channels, w[0], w[2], stride, groups, bias, pad), w[0]};
}

Act TorchNet::batch_norm(Act x, const std::string& name, float eps) {
  return {net.batch_norm(x.value, name, x.channels, eps), x.channels};
}

Act TorchNet::conv_bn(Act x, const std::string& conv_name, const std::string& bn_name,
                      int64_t stride, float eps, OpType activation) {
  Act y = batch_norm(conv(x, conv_name, stride, false), bn_name, eps);
  if (activation == OpType::kIdentity) return y;
  if (activation == OpType::kClip) return relu6(y, bn_name + ".relu6");
  if (activation == OpType::kSigmoid) return silu(y, bn_name + ".silu");
  return unary(activation, y, bn_name + ".act");
}

Act TorchNet::unary(OpType op, Act x, const std::string& name) {
  return {net.unary(op, x.value, name), x.channels};
}

Act TorchNet::relu6(Act x, const std::string& name) {
  ir::Value* lo =
      graph.add_constant(name + ".min", Tensor::FromVector<float>(DType::kF32, {}, {0.f}));
  ir::Value* hi =
      graph.add_constant(name + ".max", Tensor::FromVector<float>(DType::kF32, {}, {6.f}));
  ir::Value* out = graph.add_value(name, DType::kF32, {}, /*has_shape=*/false);
  graph.add_node(OpType::kClip, name, {x.value, lo, hi}, {out});
  return {out, x.channels};
}

Act TorchNet::silu(Act x, const std::string& name) {
  ir::Value* s = net.unary(OpType::kSigmoid, x.value, name + ".sigmoid");
  return {net.binary(OpType::kMul, x.value, s, name), x.channels};
}

Act TorchNet::hard_sigmoid(Act x, const std::string& name) {
  return {net.hard_sigmoid(x.value, name), x.channels};
}

Act TorchNet::add(Act a, Act b, const std::string& name) {
  return {net.binary(OpType::kAdd, a.value, b.value, name), a.channels};
}

Act TorchNet::mul(Act a, Act b, const std::string& name) {
  return {net.binary(OpType::kMul, a.value, b.value, name), std::max(a.channels, b.channels)};
}

Act TorchNet::linear(Act x, const std::string& name, const std::string& output_name) {
  const std::vector<int64_t> w = sd.dims(name + ".weight", 2);
  return {net.linear(x.value, name, x.channels, w[0], output_name), w[0]};
}

Act TorchNet::pool_flatten(Act x, const std::string& name) {
  ir::Value* p = net.global_average_pool(x.value, name);
  return {net.flatten(p, name + ".flatten"), x.channels};
}

}  // namespace mconv::torch
