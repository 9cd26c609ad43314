// ONNX Runtime NNAPI execution provider. Sources: microsoft/onnxruntime,
// onnxruntime/core/providers/nnapi/nnapi_builtin/builders/op_builder_factory.cc (the ops with a
// builder; no HardSwish, no HardSigmoid), .../builders/helper.cc (IsInputSupported: NNAPI needs
// static shapes, "Dynamic shape is not supported"; float32 inputs, uint8 for the quantized ops)
// and the op builders under .../builders/impl/ (clip_op_builder.cc: Clip only as RELU6 [0,6] or
// RELU1 [-1,1]; conv/gemm: constant weights; reshape/squeeze/unsqueeze/reduction: constant
// shape/axes; pool: 4-D).
#include <cmath>

#include "delegates/delegate_spec.h"

namespace mconv::delegates {
namespace {

constexpr ElemType kF32 = ElemType::kF32;
constexpr ElemType kU8 = ElemType::kU8;

Reason common(const OpGraph& g, const OpNode& n) {
  for (size_t i = 0; i < n.inputs.size(); ++i) {
    const TensorInfo* t = g.input(n, i);
    if (!t || t->is_constant) continue;
    if (!t->has_shape) return "input " + std::to_string(i) + " has no known shape";
    if (!t->is_static())
      return "input " + std::to_string(i) + " " + dims_string(*t) +
             " has a dynamic dim (NNAPI needs static shapes)";
    if (t->dims.empty()) return "input " + std::to_string(i) + " is a scalar";
  }
  const TensorInfo* x = g.input(n, 0);
  if (!x) return std::nullopt;
  const bool quantized_op = n.op == "DequantizeLinear" || n.op.rfind("QLinear", 0) == 0;
  if (quantized_op) {
    if (x->type != kU8) return "input 0 is " + std::string(elem_type_name(x->type)) + " (takes u8)";
    return std::nullopt;
  }
  if (n.op == "QuantizeLinear") {
    const TensorInfo* zp = g.input(n, 2);
    if (zp && zp->type != kU8)
      return "quantizes to " + std::string(elem_type_name(zp->type)) + " (takes u8)";
    return input_type_in(g, n, 0, {kF32});
  }
  if (n.op == "Cast") return std::nullopt;
  return input_type_in(g, n, 0, {kF32});
}

Reason optional_constant(const OpGraph& g, const OpNode& n, size_t slot, std::string_view what) {
  if (slot < n.inputs.size() && n.inputs[slot] >= 0) return input_constant(g, n, slot, what);
  return std::nullopt;
}
// clip_op_builder.cc: NNAPI has RELU6 and RELU1 only.
Reason clip(const OpGraph& g, const OpNode& n) {
  float lo = n.float_attr("min", -INFINITY), hi = n.float_attr("max", INFINITY);
  for (size_t slot : {size_t{1}, size_t{2}}) {
    if (slot >= n.inputs.size() || n.inputs[slot] < 0) continue;
    if (auto r = input_constant(g, n, slot, slot == 1 ? "min" : "max")) return r;
    const auto& v = g.input(n, slot)->floats;
    if (v.size() != 1) return std::string("min/max must be scalars");
    (slot == 1 ? lo : hi) = v[0];
  }
  if ((lo == 0.0f && hi == 6.0f) || (lo == -1.0f && hi == 1.0f)) return std::nullopt;
  return "Clip(" + std::to_string(lo) + ", " + std::to_string(hi) +
         ") is neither RELU6 [0,6] nor RELU1 [-1,1]";
}
Reason conv(const OpGraph& g, const OpNode& n) {
  return first_of({input_rank(g, n, 0, {4}), input_constant(g, n, 1, "weights")});
}
Reason gemm(const OpGraph& g, const OpNode& n) {
  if (n.int_attr("transA", 0) != 0) return std::string("transA = 1 is not supported");
  return input_constant(g, n, 1, "input B");
}
Reason pool(const OpGraph& g, const OpNode& n) {
  return input_rank(g, n, 0, {4});
}
Reason reshape(const OpGraph& g, const OpNode& n) {
  return input_constant(g, n, 1, "shape");
}
Reason axes(const OpGraph& g, const OpNode& n) {
  return optional_constant(g, n, 1, "axes");
}
Reason slice(const OpGraph& g, const OpNode& n) {
  for (size_t i = 1; i < n.inputs.size(); ++i)
    if (auto r = optional_constant(g, n, i, "starts/ends/axes/steps")) return r;
  return std::nullopt;
}
Reason pad(const OpGraph& g, const OpNode& n) {
  auto mode = n.strings.find("mode");
  if (mode != n.strings.end() && mode->second != "constant")
    return "mode '" + mode->second + "' is not supported (constant only)";
  return input_constant(g, n, 1, "pads");
}

// op_builder_factory.cc CreateOpBuilderRegistrations.
constexpr OpRule kRules[] = {
    {"Abs", nullptr},
    {"Add", nullptr},
    {"AveragePool", pool},
    {"BatchNormalization", nullptr},
    {"Cast", nullptr},
    {"Clip", clip},
    {"Concat", nullptr},
    {"Conv", conv},
    {"DepthToSpace", nullptr},
    {"DequantizeLinear", nullptr},
    {"Div", nullptr},
    {"Elu", nullptr},
    {"Exp", nullptr},
    {"Flatten", nullptr},
    {"Floor", nullptr},
    {"Gather", nullptr},
    {"Gemm", gemm},
    {"GlobalAveragePool", pool},
    {"GlobalMaxPool", pool},
    {"Identity", nullptr},
    {"LRN", nullptr},
    {"LeakyRelu", nullptr},
    {"Log", nullptr},
    {"MatMul", gemm},
    {"Max", nullptr},
    {"MaxPool", pool},
    {"Min", nullptr},
    {"Mul", nullptr},
    {"Neg", nullptr},
    {"PRelu", nullptr},
    {"Pad", pad},
    {"Pow", nullptr},
    {"QLinearAdd", nullptr},
    {"QLinearAveragePool", pool},
    {"QLinearConv", nullptr},
    {"QLinearMatMul", nullptr},
    {"QLinearMul", nullptr},
    {"QLinearSigmoid", nullptr},
    {"QuantizeLinear", nullptr},
    {"ReduceMean", axes},
    {"Relu", nullptr},
    {"Reshape", reshape},
    {"Resize", nullptr},
    {"Sigmoid", nullptr},
    {"Sin", nullptr},
    {"Slice", slice},
    {"Softmax", nullptr},
    {"Sqrt", nullptr},
    {"Squeeze", axes},
    {"Sub", nullptr},
    {"Tanh", nullptr},
    {"Transpose", nullptr},
    {"Unsqueeze", axes},
};
static_assert(rules_sorted(kRules), "NNAPI rules must be sorted by op with no duplicates");

}  // namespace

const DelegateTable kOrtNnapiTable{.rules = kRules, .common = common};

}  // namespace mconv::delegates
