#include "zoo/net_builder.h"

#include <cmath>

namespace mconv::zoo {

using ir::OpType;
using ir::Value;

Value* NetBuilder::input(const std::string& name, std::vector<int64_t> shape) {
  Value* v = graph_.add_value(name, DType::kF32, ir::make_shape(shape));
  graph_.inputs.push_back(v);
  return v;
}

Value* NetBuilder::output_of(OpType op, const std::string& name, std::vector<Value*> inputs,
                             ir::Node** node, const std::string& output_name) {
  Value* out = graph_.add_value(output_name.empty() ? name : output_name, DType::kF32, {},
                                /*has_shape=*/false);
  ir::Node* n = graph_.add_node(op, name, std::move(inputs), {out});
  if (node) *node = n;
  return out;
}

Tensor RandomParameters::parameter(const std::string& name, const std::vector<int64_t>& shape,
                                   const ParameterInit& init) {
  Tensor t(DType::kF32, shape);
  float* p = t.data<float>();
  for (int64_t i = 0; i < t.element_count(); ++i)
    p[i] = init.kind == ParameterInit::Kind::kNormal
               ? static_cast<float>(random_.normal() * init.value)
               : static_cast<float>(init.value);
  return t;
}

Value* NetBuilder::normal_constant(const std::string& name, std::vector<int64_t> shape,
                                   double stddev) {
  return graph_.add_constant(
      name, source_.parameter(name, shape, {ParameterInit::Kind::kNormal, stddev}));
}

Value* NetBuilder::filled_constant(const std::string& name, std::vector<int64_t> shape,
                                   float value) {
  return graph_.add_constant(name,
                             source_.parameter(name, shape, {ParameterInit::Kind::kFill, value}));
}

Value* NetBuilder::conv(Value* x, const std::string& name, int64_t in_channels,
                        int64_t out_channels, int64_t kernel, int64_t stride, int64_t groups,
                        bool bias, int64_t pad) {
  const int64_t fan_in = in_channels / groups * kernel * kernel;
  std::vector<Value*> inputs = {
      x, normal_constant(name + ".weight", {out_channels, in_channels / groups, kernel, kernel},
                         std::sqrt(2.0 / fan_in))};
  if (bias) inputs.push_back(normal_constant(name + ".bias", {out_channels}, 0.05));
  ir::Node* node = nullptr;
  Value* out = output_of(OpType::kConv, name, std::move(inputs), &node);
  if (pad < 0) pad = (kernel - 1) / 2;
  node->attrs.set("kernel_shape", std::vector<int64_t>{kernel, kernel});
  node->attrs.set("strides", std::vector<int64_t>{stride, stride});
  node->attrs.set("pads", std::vector<int64_t>{pad, pad, pad, pad});
  node->attrs.set("dilations", std::vector<int64_t>{1, 1});
  node->attrs.set("group", groups);
  node->layout = ir::Layout::kNCHW;
  return out;
}

Value* NetBuilder::batch_norm(Value* x, const std::string& name, int64_t channels, float epsilon) {
  ir::Node* node = nullptr;
  Value* out = output_of(OpType::kBatchNormalization, name,
                         {x, filled_constant(name + ".weight", {channels}, 1.f),
                          filled_constant(name + ".bias", {channels}, 0.f),
                          filled_constant(name + ".running_mean", {channels}, 0.f),
                          filled_constant(name + ".running_var", {channels}, 1.f)},
                         &node);
  node->attrs.set("epsilon", epsilon);
  node->layout = ir::Layout::kNCHW;
  return out;
}

Value* NetBuilder::conv_bn_act(Value* x, const std::string& name, int64_t in_channels,
                               int64_t out_channels, int64_t kernel, int64_t stride, int64_t groups,
                               OpType activation, float epsilon) {
  Value* y = conv(x, name + ".0", in_channels, out_channels, kernel, stride, groups, false);
  y = batch_norm(y, name + ".1", out_channels, epsilon);
  if (activation != OpType::kIdentity) y = unary(activation, y, name + ".2");
  return y;
}

Value* NetBuilder::unary(OpType op, Value* x, const std::string& name) {
  return output_of(op, name, {x});
}

Value* NetBuilder::hard_sigmoid(Value* x, const std::string& name) {
  ir::Node* node = nullptr;
  Value* out = output_of(OpType::kHardSigmoid, name, {x}, &node);
  node->attrs.set("alpha", 1.f / 6.f);
  node->attrs.set("beta", 0.5f);
  return out;
}

Value* NetBuilder::binary(OpType op, Value* a, Value* b, const std::string& name) {
  return output_of(op, name, {a, b});
}

Value* NetBuilder::global_average_pool(Value* x, const std::string& name) {
  ir::Node* node = nullptr;
  Value* out = output_of(OpType::kGlobalAveragePool, name, {x}, &node);
  node->layout = ir::Layout::kNCHW;
  return out;
}

Value* NetBuilder::max_pool(Value* x, const std::string& name, int64_t kernel, int64_t stride,
                            int64_t pad, bool ceil_mode) {
  ir::Node* node = nullptr;
  Value* out = output_of(OpType::kMaxPool, name, {x}, &node);
  node->attrs.set("kernel_shape", std::vector<int64_t>{kernel, kernel});
  node->attrs.set("strides", std::vector<int64_t>{stride, stride});
  node->attrs.set("pads", std::vector<int64_t>{pad, pad, pad, pad});
  node->attrs.set("ceil_mode", int64_t{ceil_mode ? 1 : 0});
  node->layout = ir::Layout::kNCHW;
  return out;
}

Value* NetBuilder::concat(std::vector<Value*> xs, const std::string& name, int64_t axis) {
  ir::Node* node = nullptr;
  Value* out = output_of(OpType::kConcat, name, std::move(xs), &node);
  node->attrs.set("axis", axis);
  return out;
}

Value* NetBuilder::reshape(Value* x, const std::string& name, std::vector<int64_t> shape) {
  const int64_t rank = static_cast<int64_t>(shape.size());
  Value* target =
      graph_.add_constant(name + ".shape", Tensor::FromVector(DType::kI64, {rank}, shape));
  return output_of(OpType::kReshape, name, {x, target});
}

Value* NetBuilder::transpose(Value* x, const std::string& name, std::vector<int64_t> perm) {
  ir::Node* node = nullptr;
  Value* out = output_of(OpType::kTranspose, name, {x}, &node);
  node->attrs.set("perm", std::move(perm));
  return out;
}

std::vector<Value*> NetBuilder::split(Value* x, const std::string& name, int64_t axis,
                                      std::vector<int64_t> sizes) {
  const int64_t parts = static_cast<int64_t>(sizes.size());
  Value* split_sizes =
      graph_.add_constant(name + ".split", Tensor::FromVector(DType::kI64, {parts}, sizes));
  std::vector<Value*> outs;
  for (int64_t i = 0; i < parts; ++i)
    outs.push_back(graph_.add_value(name + "." + std::to_string(i), DType::kF32, {},
                                    /*has_shape=*/false));
  ir::Node* node = graph_.add_node(OpType::kSplit, name, {x, split_sizes}, outs);
  node->attrs.set("axis", axis);
  return outs;
}

Value* NetBuilder::reduce_mean(Value* x, const std::string& name, std::vector<int64_t> axes) {
  ir::Node* node = nullptr;
  Value* out = output_of(OpType::kReduceMean, name, {x}, &node);
  node->attrs.set("axes", std::move(axes));
  node->attrs.set("keepdims", int64_t{0});
  return out;
}

Value* NetBuilder::flatten(Value* x, const std::string& name) {
  ir::Node* node = nullptr;
  Value* out = output_of(OpType::kFlatten, name, {x}, &node);
  node->attrs.set("axis", int64_t{1});
  return out;
}

Value* NetBuilder::linear(Value* x, const std::string& name, int64_t in_features,
                          int64_t out_features, const std::string& output_name) {
  ir::Node* node = nullptr;
  Value* out = output_of(
      OpType::kGemm, name,
      {x,
       normal_constant(name + ".weight", {out_features, in_features}, 1.0 / std::sqrt(in_features)),
       filled_constant(name + ".bias", {out_features}, 0.f)},
      &node, output_name);
  node->attrs.set("alpha", 1.f);
  node->attrs.set("beta", 1.f);
  node->attrs.set("transA", int64_t{0});
  node->attrs.set("transB", int64_t{1});
  return out;
}

}  // namespace mconv::zoo
