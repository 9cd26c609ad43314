// TFLite GPU delegate. Source: tensorflow/tensorflow,
// tensorflow/lite/tools/versioning/gpu_compatibility.cc — CheckGpuDelegateCompatibility (the op
// switch: an op without a case is "Not supported op"), IsActivationSupported (NONE, RELU,
// RELU_N1_TO_1, RELU6, TANH, SIGMOID; not SIGN_BIT), CheckAddMulBroadcastCompatibility,
// CheckAxesAreInt32Const, the pad/strided-slice/gather/cast/softmax checks. Quantized int8/uint8
// tensors are accepted: the delegate dequantizes them (quantized-model support is on by default
// in TfLiteGpuDelegateOptionsV2Default), computing in float16/float32.
#include "delegates/delegate_spec.h"

namespace mconv::delegates {
namespace {

constexpr ElemType kF32 = ElemType::kF32;
constexpr ElemType kF16 = ElemType::kF16;
constexpr ElemType kI32 = ElemType::kI32;

Reason act(const OpNode& n) {
  return fused_activation_in(n, {0, 1, 2, 3, 4});
}

// Every tensor a GPU kernel reads is float, int32 (indices, shapes) or quantized 8-bit.
Reason gpu_types(const OpGraph& g, const OpNode& n) {
  for (size_t i = 0; i < n.inputs.size(); ++i) {
    const TensorInfo* t = g.input(n, i);
    if (!t) continue;
    const bool ok = t->type == kF32 || t->type == kF16 || t->type == kI32 ||
                    t->type == ElemType::kBool || t->type == ElemType::kI64 ||
                    ((t->type == ElemType::kI8 || t->type == ElemType::kU8) && t->quantized);
    if (!ok)
      return "input " + std::to_string(i) + " is " + elem_type_name(t->type) +
             (t->quantized ? "" : " without quantization");
  }
  return std::nullopt;
}

Reason with_activation(const OpGraph&, const OpNode& n) {
  return act(n);
}

// CheckAddMulBroadcastCompatibility (default flags): inputs of different ranks (both > 1) only
// as 4-D with 3-D (batch 1), 4-D with [1,1], or [b,x,y,c] with [b,c].
Reason broadcast(const OpGraph& g, const OpNode& n) {
  const TensorInfo* a = g.input(n, 0);
  const TensorInfo* b = g.input(n, 1);
  if (!a || !b) return std::string("needs two inputs");
  if (a->dims.size() > 1 && b->dims.size() > 1 && a->dims.size() != b->dims.size()) {
    const TensorInfo* l = a->dims.size() >= b->dims.size() ? a : b;
    const TensorInfo* s = l == a ? b : a;
    const bool ok = (l->dims.size() == 4 && s->dims.size() == 3 && l->dims[0] == 1) ||
                    (l->dims.size() == 4 && s->dims.size() == 2 && l->dims[0] == 1 &&
                     s->dims[0] == 1 && s->dims[1] == 1) ||
                    (l->dims.size() == 4 && s->dims.size() == 2 && l->dims[0] == s->dims[0] &&
                     l->dims[3] == s->dims[1]);
    if (!ok) return "does not broadcast " + dims_string(*a) + " with " + dims_string(*b);
  }
  return act(n);
}
Reason add(const OpGraph& g, const OpNode& n) {
  return broadcast(g, n);
}
// MUL: same-rank inputs where each is smaller than the other in some dim are refused.
Reason mul(const OpGraph& g, const OpNode& n) {
  const TensorInfo* a = g.input(n, 0);
  const TensorInfo* b = g.input(n, 1);
  if (a && b && a->dims.size() == b->dims.size()) {
    bool a_smaller = false, b_smaller = false;
    for (size_t i = 0; i < a->dims.size(); ++i) {
      a_smaller |= a->dims[i] < b->dims[i];
      b_smaller |= b->dims[i] < a->dims[i];
    }
    if (a_smaller && b_smaller)
      return "neither input " + dims_string(*a) + " nor " + dims_string(*b) + " covers the other";
    return act(n);
  }
  return broadcast(g, n);
}
// Two-argument elementwise ops: at most one constant operand.
Reason elementwise2(const OpGraph& g, const OpNode& n) {
  if (runtime_input_count(g, n) < 1) return std::string("both operands are constants");
  return act(n);
}
Reason cast(const OpGraph& g, const OpNode& n) {
  const TensorInfo* in = g.input(n, 0);
  const TensorInfo* out = g.output(n, 0);
  if (!in || !out) return std::string("needs one input and one output");
  auto is = [](const TensorInfo* t, std::initializer_list<ElemType> ts) {
    for (ElemType e : ts)
      if (t->type == e) return true;
    return false;
  };
  if ((is(in, {ElemType::kBool}) && is(out, {kF16, kF32})) ||
      (is(in, {kF16, kF32}) && is(out, {ElemType::kBool})) ||
      (is(in, {kF32, kI32}) && is(out, {kF32, kI32})))
    return std::nullopt;
  return "cast " + std::string(elem_type_name(in->type)) + " -> " + elem_type_name(out->type) +
         " is not supported";
}
Reason fully_connected(const OpGraph& g, const OpNode& n) {
  if (n.int_attr("weights_format", 0) != 0)
    return std::string("shuffled weights format is not supported");
  const TensorInfo* in = g.input(n, 0);
  if (in && in->is_constant) return std::string("constant input is not supported");
  if (n.int_attr("keep_num_dims", 0)) {
    const TensorInfo* out = g.output(n, 0);
    if (in && out && in->dims.size() != out->dims.size())
      return std::string("keep_num_dims with a rank change is not supported");
  }
  return act(n);
}
Reason gather(const OpGraph& g, const OpNode& n) {
  if (auto r = input_type_in(g, n, 1, {kI32})) return "indices: " + *r;
  const TensorInfo* in = g.input(n, 0);
  if (in && in->type == kI32) return std::string("int32 data is not supported");
  const TensorInfo* idx = g.input(n, 1);
  if (idx->dims.size() != 1) return "indices " + dims_string(*idx) + " are not 1-D";
  return std::nullopt;
}
// CheckAxesAreInt32Const.
Reason reduce(const OpGraph& g, const OpNode& n) {
  return first_of({input_constant(g, n, 1, "axes"), input_type_in(g, n, 1, {kI32})});
}
Reason softmax(const OpGraph&, const OpNode& n) {
  if (n.float_attr("beta", 1.0f) != 1.0f) return std::string("beta != 1 is not supported");
  return std::nullopt;
}
// Paddings must be a constant 4x2 or 3x2 tensor; MIRROR_PAD only in REFLECT mode.
Reason pad(const OpGraph& g, const OpNode& n) {
  if (n.op == "MIRROR_PAD" && n.int_attr("mode", 0) != 0)
    return std::string("mirror pad mode SYMMETRIC is not supported (REFLECT only)");
  if (auto r = input_constant(g, n, 1, "paddings")) return r;
  const TensorInfo* p = g.input(n, 1);
  if (p->dims.size() != 2 || (p->dims[0] != 3 && p->dims[0] != 4) || p->dims[1] != 2)
    return "paddings " + dims_string(*p) + " are not 4x2 or 3x2";
  return std::nullopt;
}
Reason slice(const OpGraph& g, const OpNode& n) {
  return input_rank(g, n, 0, {3, 4});
}
Reason strided_slice(const OpGraph& g, const OpNode& n) {
  for (const char* mask : {"ellipsis_mask", "new_axis_mask", "shrink_axis_mask"})
    if (n.int_attr(mask, 0) != 0) return std::string(mask) + " is not supported";
  if (n.inputs.size() < 4) return std::string("needs 4 inputs");
  return input_rank(g, n, 0, {3, 4});
}
Reason dequantize(const OpGraph& g, const OpNode& n) {
  const TensorInfo* in = g.input(n, 0);
  if (in && in->type == ElemType::kI16) return std::string("int16 dequantization is not supported");
  return std::nullopt;
}
Reason resize_bilinear(const OpGraph&, const OpNode& n) {
  if (n.int_attr("align_corners", 0) && n.int_attr("half_pixel_centers", 0))
    return std::string("align_corners with half_pixel_centers is not supported");
  return std::nullopt;
}

constexpr OpRule kRules[] = {
    {"ABS", nullptr},
    {"ADD", add},
    {"AVERAGE_POOL_2D", with_activation},
    {"BATCH_MATMUL", nullptr},
    {"CAST", cast},
    {"CEIL", nullptr},
    {"CONCATENATION", nullptr},
    {"CONV_2D", with_activation},
    {"COS", nullptr},
    {"DEPTHWISE_CONV_2D", with_activation},
    {"DEPTH_TO_SPACE", nullptr},
    {"DEQUANTIZE", dequantize},
    {"DIV", elementwise2},
    {"ELU", nullptr},
    {"EXP", nullptr},
    {"FLOOR", nullptr},
    {"FULLY_CONNECTED", fully_connected},
    {"GATHER", gather},
    {"GELU", nullptr},
    {"HARD_SWISH", nullptr},
    {"LEAKY_RELU", nullptr},
    {"LOG", nullptr},
    {"LOGISTIC", nullptr},
    {"MAXIMUM", elementwise2},
    {"MAX_POOL_2D", with_activation},
    {"MEAN", reduce},
    {"MINIMUM", elementwise2},
    {"MIRROR_PAD", pad},
    {"MUL", mul},
    {"NEG", nullptr},
    {"PACK", nullptr},
    {"PAD", pad},
    {"PADV2", pad},
    {"POW", elementwise2},
    {"PRELU", nullptr},
    {"QUANTIZE", nullptr},
    {"REDUCE_MAX", reduce},
    {"REDUCE_MIN", reduce},
    {"REDUCE_PROD", reduce},
    {"RELU", nullptr},
    {"RELU6", nullptr},
    {"RELU_N1_TO_1", nullptr},
    {"RESHAPE", nullptr},
    {"RESIZE_BILINEAR", resize_bilinear},
    {"RESIZE_NEAREST_NEIGHBOR", nullptr},
    {"RSQRT", nullptr},
    {"SIN", nullptr},
    {"SLICE", slice},
    {"SOFTMAX", softmax},
    {"SPACE_TO_DEPTH", nullptr},
    {"SPLIT", nullptr},
    {"SPLIT_V", nullptr},
    {"SQRT", nullptr},
    {"SQUARE", nullptr},
    {"SQUARED_DIFFERENCE", elementwise2},
    {"STRIDED_SLICE", strided_slice},
    {"SUB", elementwise2},
    {"SUM", reduce},
    {"TANH", nullptr},
    {"TILE", nullptr},
    {"TRANSPOSE", nullptr},
    {"TRANSPOSE_CONV", nullptr},
};
static_assert(rules_sorted(kRules), "GPU rules must be sorted by op with no duplicates");

}  // namespace

const DelegateTable kTfliteGpuTable{.rules = kRules, .common = gpu_types};

}  // namespace mconv::delegates
