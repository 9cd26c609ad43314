// ONNX Runtime CoreML execution provider, both model formats. Sources: microsoft/onnxruntime,
// tools/ci_build/github/apple/coreml_supported_ops.md (NeuralNetwork) and
// tools/ci_build/github/apple/coreml_supported_mlprogram_ops.md (MLProgram) for the op lists and
// their notes; onnxruntime/core/providers/coreml/builders/helper.cc (IsInputSupported: known
// rank, rank <= 5, no zero dims) and impl/base_op_builder.cc (HasSupportedInputs: float32 inputs;
// MLProgram also float16). Neither list has HardSwish; MLProgram has no Flatten and no Gather;
// neither takes QuantizeLinear/DequantizeLinear.
#include "delegates/delegate_spec.h"

namespace mconv::delegates {
namespace {

constexpr ElemType kF32 = ElemType::kF32;
constexpr ElemType kF16 = ElemType::kF16;

Reason inputs_supported(const OpGraph& g, const OpNode& n, bool allow_f16) {
  for (size_t i = 0; i < n.inputs.size(); ++i) {
    const TensorInfo* t = g.input(n, i);
    if (!t) continue;
    if (!t->has_shape) return "input " + std::to_string(i) + " has no known shape";
    if (t->dims.size() > 5) return "input " + std::to_string(i) + " has rank > 5";
    for (int64_t d : t->dims)
      if (d == 0) return "input " + std::to_string(i) + " " + dims_string(*t) + " has a zero dim";
  }
  // The data input carries the type; constant integer inputs (shapes, axes) are parameters.
  const TensorInfo* x = g.input(n, 0);
  if (x && !(x->is_constant && (x->type == ElemType::kI64 || x->type == ElemType::kI32))) {
    if (x->type == kF32) return std::nullopt;
    if (allow_f16 && x->type == kF16) return std::nullopt;
    if (n.op == "Shape" || n.op == "Cast") return std::nullopt;
    return "input 0 is " + std::string(elem_type_name(x->type)) + " (takes " +
           (allow_f16 ? "f32/f16" : "f32") + ")";
  }
  return std::nullopt;
}
Reason nn_common(const OpGraph& g, const OpNode& n) {
  return inputs_supported(g, n, false);
}
Reason ml_common(const OpGraph& g, const OpNode& n) {
  return inputs_supported(g, n, true);
}

Reason optional_constant(const OpGraph& g, const OpNode& n, size_t slot, std::string_view what) {
  if (slot < n.inputs.size() && n.inputs[slot] >= 0) return input_constant(g, n, slot, what);
  return std::nullopt;
}
// "Only 2D Pool is supported" / "Only 1D/2D Conv is supported".
Reason pool2d(const OpGraph& g, const OpNode& n) {
  return input_rank(g, n, 0, {4});
}
Reason nn_conv(const OpGraph& g, const OpNode& n) {
  return first_of({input_rank(g, n, 0, {3, 4}), input_constant(g, n, 1, "weights"),
                   optional_constant(g, n, 2, "bias")});
}
Reason ml_conv(const OpGraph& g, const OpNode& n) {
  return first_of({input_rank(g, n, 0, {3, 4}), optional_constant(g, n, 2, "bias")});
}
Reason input_b_constant(const OpGraph& g, const OpNode& n) {
  return input_constant(g, n, 1, "input B");
}
// MLProgram MatMul note: "Only support for transA == 0, alpha == 1.0 and beta == 1.0".
Reason ml_gemm(const OpGraph& g, const OpNode& n) {
  if (n.int_attr("transA", 0) != 0) return std::string("transA = 1 is not supported");
  return input_b_constant(g, n);
}
Reason pow_f32(const OpGraph& g, const OpNode& n) {
  return first_of({input_type_in(g, n, 0, {kF32}), input_type_in(g, n, 1, {kF32})});
}
Reason reshape(const OpGraph& g, const OpNode& n) {
  if (n.int_attr("allowzero", 0) != 0) return std::string("allowzero = 1 is not supported");
  return input_constant(g, n, 1, "shape");
}
Reason clip(const OpGraph& g, const OpNode& n) {
  return first_of({optional_constant(g, n, 1, "min"), optional_constant(g, n, 2, "max")});
}
Reason axes_constant(const OpGraph& g, const OpNode& n) {
  return optional_constant(g, n, 1, "axes");
}
Reason slice(const OpGraph& g, const OpNode& n) {
  for (size_t i = 1; i < n.inputs.size(); ++i)
    if (auto r = optional_constant(g, n, i, "starts/ends/axes/steps")) return r;
  return std::nullopt;
}
Reason split(const OpGraph& g, const OpNode& n) {
  return optional_constant(g, n, 1, "split");
}
// NeuralNetwork Pad: "Only constant mode and last two dim padding is supported".
Reason nn_pad(const OpGraph& g, const OpNode& n) {
  auto mode = n.strings.find("mode");
  if (mode != n.strings.end() && mode->second != "constant")
    return "mode '" + mode->second + "' is not supported (constant only)";
  if (auto r = input_constant(g, n, 1, "pads")) return r;
  const auto& p = g.input(n, 1)->ints;
  const size_t rank = p.size() / 2;
  for (size_t i = 0; i + 2 < rank; ++i)
    if (p[i] || p[i + rank]) return std::string("pads an axis other than the last two");
  return std::nullopt;
}
// NeuralNetwork Gather: "Input `indices` with scalar value is not supported".
Reason nn_gather(const OpGraph& g, const OpNode& n) {
  const TensorInfo* idx = g.input(n, 1);
  if (idx && idx->has_shape && idx->dims.empty())
    return std::string("scalar indices are not supported");
  return std::nullopt;
}
Reason nn_shape(const OpGraph&, const OpNode& n) {
  if (n.int_attr("start", 0) != 0 || n.ints.count("end"))
    return std::string("start/end attributes are not supported");
  return std::nullopt;
}

// tools/ci_build/github/apple/coreml_supported_ops.md (NeuralNetwork).
constexpr OpRule kNeuralNetwork[] = {
    {"Add", nullptr},
    {"ArgMax", nullptr},
    {"AveragePool", pool2d},
    {"BatchNormalization", nullptr},
    {"Cast", nullptr},
    {"Clip", clip},
    {"Concat", nullptr},
    {"Conv", nn_conv},
    {"DepthToSpace", nullptr},
    {"Div", nullptr},
    {"Flatten", nullptr},
    {"Gather", nn_gather},
    {"Gemm", input_b_constant},
    {"GlobalAveragePool", pool2d},
    {"GlobalMaxPool", pool2d},
    {"LRN", nullptr},
    {"LeakyRelu", nullptr},
    {"MatMul", input_b_constant},
    {"MaxPool", pool2d},
    {"Mul", nullptr},
    {"PRelu", nullptr},
    {"Pad", nn_pad},
    {"Pow", pow_f32},
    {"Reciprocal", nullptr},
    {"ReduceSum", axes_constant},
    {"Relu", nullptr},
    {"Reshape", reshape},
    {"Resize", nullptr},
    {"Shape", nn_shape},
    {"Sigmoid", nullptr},
    {"Slice", slice},
    {"Sqrt", nullptr},
    {"Squeeze", axes_constant},
    {"Sub", nullptr},
    {"Tanh", nullptr},
    {"Transpose", nullptr},
};
static_assert(rules_sorted(kNeuralNetwork), "CoreML NN rules must be sorted, no duplicates");

// tools/ci_build/github/apple/coreml_supported_mlprogram_ops.md (MLProgram).
constexpr OpRule kMLProgram[] = {
    {"Add", nullptr},
    {"ArgMax", nullptr},
    {"AveragePool", pool2d},
    {"Cast", nullptr},
    {"Ceil", nullptr},
    {"Clip", clip},
    {"Concat", nullptr},
    {"Conv", ml_conv},
    {"ConvTranspose", nullptr},
    {"Cos", nullptr},
    {"DepthToSpace", nullptr},
    {"Div", nullptr},
    {"Elu", nullptr},
    {"Erf", nullptr},
    {"Exp", nullptr},
    {"GatherND", nullptr},
    {"Gelu", nullptr},
    {"Gemm", ml_gemm},
    {"GlobalAveragePool", pool2d},
    {"GlobalMaxPool", pool2d},
    {"GridSample", nullptr},
    {"GroupNormalization", nullptr},
    {"HardSigmoid", nullptr},
    {"Identity", nullptr},
    {"InstanceNormalization", nullptr},
    {"LayerNormalization", nullptr},
    {"LeakyRelu", nullptr},
    {"MatMul", nullptr},
    {"Max", nullptr},
    {"MaxPool", pool2d},
    {"Mul", nullptr},
    {"PRelu", nullptr},
    {"Pow", pow_f32},
    {"Range", nullptr},
    {"Reciprocal", nullptr},
    {"ReduceMax", axes_constant},
    {"ReduceMean", axes_constant},
    {"ReduceSum", axes_constant},
    {"Relu", nullptr},
    {"Reshape", reshape},
    {"Resize", nullptr},
    {"Round", nullptr},
    {"Shape", nullptr},
    {"Sigmoid", nullptr},
    {"Sin", nullptr},
    {"Slice", slice},
    {"Softmax", nullptr},
    {"Softplus", nullptr},
    {"Split", split},
    {"Sqrt", nullptr},
    {"Squeeze", axes_constant},
    {"Sub", nullptr},
    {"Tanh", nullptr},
    {"Tile", nullptr},
    {"Transpose", nullptr},
    {"Unsqueeze", axes_constant},
};
static_assert(rules_sorted(kMLProgram), "CoreML MLProgram rules must be sorted, no duplicates");

}  // namespace

const DelegateTable kOrtCoremlNeuralNetworkTable{.rules = kNeuralNetwork, .common = nn_common};

const DelegateTable kOrtCoremlMlProgramTable{.rules = kMLProgram, .common = ml_common};

}  // namespace mconv::delegates
