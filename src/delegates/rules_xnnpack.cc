// XNNPACK delegate for TFLite. Source: tensorflow/tensorflow,
// tensorflow/lite/delegates/xnnpack/xnnpack_delegate.cc — Subgraph::VisitNode (the builtin
// switch: an op without a case is not delegated) and the Visit<Op>Node type checks
// (CheckTensorFloat32Type = float only; CheckTensorFloat32OrQUInt8Type = float or per-tensor
// quantized int8/uint8; CheckTensorStaticAllocation = weights, axes, shapes must be constants;
// CheckFusedActivation: NONE, RELU, RELU_N1_TO_1, RELU6 only).
#include "delegates/delegate_spec.h"

namespace mconv::delegates {
namespace {

constexpr ElemType kF32 = ElemType::kF32;

// CheckFusedActivation: TANH and SIGN_BIT have no XNNPACK clamp form.
Reason act(const OpNode& n) {
  return fused_activation_in(n, {0, 1, 2, 3});
}

Reason float_only(const OpGraph& g, const OpNode& n) {
  return input_type_in(g, n, 0, {kF32});
}
Reason float_or_quant(const OpGraph& g, const OpNode& n) {
  return input_float_or_quant(g, n, 0);
}
Reason binary(const OpGraph& g, const OpNode& n) {
  return first_of({input_float_or_quant(g, n, 0), input_float_or_quant(g, n, 1), act(n)});
}
Reason binary_float(const OpGraph& g, const OpNode& n) {
  return first_of({input_type_in(g, n, 0, {kF32}), input_type_in(g, n, 1, {kF32}), act(n)});
}
// VisitConv2DNode / VisitDepthwiseConv2DNode: static filter and bias.
Reason conv(const OpGraph& g, const OpNode& n) {
  return first_of({input_float_or_quant(g, n, 0), input_constant(g, n, 1, "filter"), act(n)});
}
// VisitFullyConnectedNode: version 8 (sparse weights) refused by VisitNode itself.
Reason fully_connected(const OpGraph& g, const OpNode& n) {
  if (n.version == 8) return std::string("version 8 (sparse weights) is not supported");
  return first_of({input_float_or_quant(g, n, 0), input_constant(g, n, 1, "weights"), act(n)});
}
Reason pool_float(const OpGraph& g, const OpNode& n) {
  return first_of({input_type_in(g, n, 0, {kF32}), act(n)});
}
Reason pool(const OpGraph& g, const OpNode& n) {
  return first_of({input_float_or_quant(g, n, 0), act(n)});
}
// VisitMeanNode: static axes; reduction over the spatial axes of a 4-D NHWC tensor.
Reason mean(const OpGraph& g, const OpNode& n) {
  if (auto r = first_of({input_float_or_quant(g, n, 0), input_constant(g, n, 1, "axes"),
                         input_rank(g, n, 0, {4})}))
    return r;
  for (int64_t a : g.input(n, 1)->ints)
    if ((a + 4) % 4 != 1 && (a + 4) % 4 != 2)
      return "reduces axis " + std::to_string(a) + " (only the spatial axes 1, 2)";
  return std::nullopt;
}
Reason pad(const OpGraph& g, const OpNode& n) {
  return first_of({input_float_or_quant(g, n, 0), input_constant(g, n, 1, "paddings")});
}
// VisitReshapeNode: the new shape must be static (constant input or options).
Reason reshape(const OpGraph& g, const OpNode& n) {
  if (auto r = input_float_or_quant(g, n, 0)) return r;
  if (n.inputs.size() > 1 && n.inputs[1] >= 0) return input_constant(g, n, 1, "new shape");
  return std::nullopt;
}
// VisitSoftmaxNode: float, beta == 1.
Reason softmax(const OpGraph& g, const OpNode& n) {
  if (auto r = float_only(g, n)) return r;
  if (n.float_attr("beta", 1.0f) != 1.0f) return std::string("beta != 1 is not supported");
  return std::nullopt;
}
// VisitDequantizeNode: f16 / int8 / uint8 to f32 (static f16 weights become quasi-static).
Reason dequantize(const OpGraph& g, const OpNode& n) {
  return input_type_in(g, n, 0, {ElemType::kF16, ElemType::kI8, ElemType::kU8});
}
// VisitQuantizeNode: f32 -> int8/uint8, or requantization within int8/uint8.
Reason quantize(const OpGraph& g, const OpNode& n) {
  return input_type_in(g, n, 0, {kF32, ElemType::kI8, ElemType::kU8});
}
Reason transpose(const OpGraph& g, const OpNode& n) {
  return first_of({input_float_or_quant(g, n, 0), input_constant(g, n, 1, "permutation")});
}
Reason split(const OpGraph& g, const OpNode& n) {
  return first_of({input_constant(g, n, 0, "axis"), input_float_or_quant(g, n, 1)});
}
// VisitStridedSliceNode: static begin/end/strides, unit strides, no ellipsis/new-axis/shrink.
Reason strided_slice(const OpGraph& g, const OpNode& n) {
  if (auto r = first_of({input_float_or_quant(g, n, 0), input_constant(g, n, 1, "begin"),
                         input_constant(g, n, 2, "end"), input_constant(g, n, 3, "strides")}))
    return r;
  for (int64_t s : g.input(n, 3)->ints)
    if (s != 1) return std::string("strides other than 1 are not supported");
  for (const char* mask : {"ellipsis_mask", "new_axis_mask", "shrink_axis_mask"})
    if (n.int_attr(mask, 0) != 0) return std::string(mask) + " is not supported";
  return std::nullopt;
}
Reason slice(const OpGraph& g, const OpNode& n) {
  return first_of({input_float_or_quant(g, n, 0), input_constant(g, n, 1, "begin"),
                   input_constant(g, n, 2, "size")});
}
// TRANSPOSE_CONV inputs: (output_shape, filter, input).
Reason transpose_conv(const OpGraph& g, const OpNode& n) {
  return first_of({input_float_or_quant(g, n, 2), input_constant(g, n, 1, "filter"),
                   input_constant(g, n, 0, "output shape")});
}
Reason prelu(const OpGraph& g, const OpNode& n) {
  return first_of({input_float_or_quant(g, n, 0), input_constant(g, n, 1, "slope")});
}

// Ops with a VisitNode case. HARD_SWISH, SOFTMAX, DIV, MAXIMUM/MINIMUM, AVERAGE_POOL_2D and the
// elementwise math take float only; there is no case for GATHER, CAST, SHAPE, POW, PADV2,
// MIRROR_PAD, SPLIT_V, EXP (they stay on the TFLite CPU kernels).
constexpr OpRule kRules[] = {
    {"ABS", float_only},
    {"ADD", binary},
    {"AVERAGE_POOL_2D", pool_float},
    {"BATCH_MATMUL", binary_float},
    {"CEIL", float_only},
    {"CONCATENATION", float_or_quant},
    {"CONV_2D", conv},
    {"DEPTHWISE_CONV_2D", conv},
    {"DEPTH_TO_SPACE", float_or_quant},
    {"DEQUANTIZE", dequantize},
    {"DIV", binary_float},
    {"ELU", float_or_quant},
    {"FLOOR", float_only},
    {"FULLY_CONNECTED", fully_connected},
    {"HARD_SWISH", float_only},
    {"LEAKY_RELU", float_or_quant},
    {"LOGISTIC", float_or_quant},
    {"MAXIMUM", binary_float},
    {"MAX_POOL_2D", pool},
    {"MEAN", mean},
    {"MINIMUM", binary_float},
    {"MUL", binary},
    {"NEG", float_only},
    {"PAD", pad},
    {"PRELU", prelu},
    {"QUANTIZE", quantize},
    {"RELU", float_or_quant},
    {"RELU6", float_or_quant},
    {"RELU_N1_TO_1", float_or_quant},
    {"RESHAPE", reshape},
    {"RESIZE_BILINEAR", float_or_quant},
    {"ROUND", float_only},
    {"SLICE", slice},
    {"SOFTMAX", softmax},
    {"SPACE_TO_DEPTH", float_or_quant},
    {"SPLIT", split},
    {"SQRT", float_only},
    {"SQUARE", float_only},
    {"SQUARED_DIFFERENCE", binary_float},
    {"STRIDED_SLICE", strided_slice},
    {"SUB", binary},
    {"TANH", float_or_quant},
    {"TRANSPOSE", transpose},
    {"TRANSPOSE_CONV", transpose_conv},
};
static_assert(rules_sorted(kRules), "XNNPACK rules must be sorted by op with no duplicates");

}  // namespace

const DelegateTable kXnnpackTable{.rules = kRules};

}  // namespace mconv::delegates
