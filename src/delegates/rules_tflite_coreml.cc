// TFLite Core ML delegate. Source: tensorflow/tensorflow,
// tensorflow/lite/delegates/coreml/coreml_delegate.mm — IsNodeSupportedByDelegate (op versions:
// 1 only, DEPTHWISE_CONV_2D up to 2, FULLY_CONNECTED up to 6; the first input, TRANSPOSE_CONV's
// third, must be float32, so full-integer models are refused; kMinNodesPerCoreMlDelegate = 2),
// and the builders' Is<Op>Supported checks in tensorflow/lite/delegates/coreml/builders/
// (pooling_layer_builder.cc IsMeanOpSupported: keep_dims, 4-D, H/W axes; util.cc
// IsBinaryOpSupported; convolution_op_builder.cc, fully_connected_op_builder.cc,
// concat_op_builder.cc, pad_op_builder.cc, reshape_op_builder.cc). FP16 weights behind DEQUANTIZE
// are taken by FP16GraphPartitionHelper (tensorflow/lite/delegates/utils.cc).
#include "delegates/delegate_spec.h"

namespace mconv::delegates {
namespace {

Reason common(const OpGraph& g, const OpNode& n) {
  if (n.op == "DEQUANTIZE") return std::nullopt;  // judged by its row
  int max_version = 1;
  if (n.op == "DEPTHWISE_CONV_2D") max_version = 2;
  if (n.op == "FULLY_CONNECTED") max_version = 6;
  if (n.version > max_version)
    return "op version " + std::to_string(n.version) + " (takes up to " +
           std::to_string(max_version) + ")";
  const size_t data_slot = n.op == "TRANSPOSE_CONV" ? 2 : 0;
  const TensorInfo* in = g.input(n, data_slot);
  if (in && in->type != ElemType::kF32)
    return "input " + std::to_string(data_slot) + " is " + elem_type_name(in->type) +
           " (the Core ML delegate takes float32 models only)";
  return std::nullopt;
}

Reason no_activation(const OpGraph&, const OpNode& n) {
  return fused_activation_in(n, {0});
}

// util.cc IsBinaryOpSupported: same shapes, or the second operand broadcast along channels
// ([C], [1,1,1,C]) or a single value.
Reason binary(const OpGraph& g, const OpNode& n) {
  const TensorInfo* a = g.input(n, 0);
  const TensorInfo* b = g.input(n, 1);
  if (!a || !b) return std::string("needs two inputs");
  if (a->dims == b->dims) return std::nullopt;
  auto count = [](const TensorInfo* t) {
    int64_t c = 1;
    for (int64_t d : t->dims) c *= d < 0 ? 1 : d;
    return c;
  };
  for (const TensorInfo* small : {a, b}) {
    const TensorInfo* big = small == a ? b : a;
    if (count(small) == 1) return std::nullopt;
    if (!small->dims.empty() && !big->dims.empty() && small->dims.back() == big->dims.back() &&
        count(small) == small->dims.back())
      return std::nullopt;
  }
  return "broadcast of " + dims_string(*a) + " with " + dims_string(*b) + " is not supported";
}
Reason conv(const OpGraph& g, const OpNode& n) {
  return first_of({input_constant(g, n, 1, "filter"), n.inputs.size() > 2 && n.inputs[2] >= 0
                                                          ? input_constant(g, n, 2, "bias")
                                                          : std::nullopt});
}
Reason fully_connected(const OpGraph& g, const OpNode& n) {
  if (n.int_attr("keep_num_dims", 0)) return std::string("keep_num_dims is not supported");
  return conv(g, n);
}
// concat_op_builder.cc: channel-axis concatenation of 4-D tensors.
Reason concatenation(const OpGraph& g, const OpNode& n) {
  if (auto r = input_rank(g, n, 0, {4})) return r;
  const int64_t axis = n.int_attr("axis", 0);
  if (axis != 3 && axis != -1) return "axis " + std::to_string(axis) + " (channel axis only)";
  return std::nullopt;
}
Reason mean(const OpGraph& g, const OpNode& n) {
  if (!n.int_attr("keep_dims", 0)) return std::string("keep_dims is false (must be true)");
  if (auto r = first_of({input_rank(g, n, 0, {4}), input_constant(g, n, 1, "axes")})) return r;
  for (int64_t a : g.input(n, 1)->ints)
    if ((a + 4) % 4 != 1 && (a + 4) % 4 != 2)
      return "reduces axis " + std::to_string(a) + " (H and W only)";
  return std::nullopt;
}
// pad_op_builder.cc: constant paddings on H and W of a 4-D tensor.
Reason pad(const OpGraph& g, const OpNode& n) {
  if (auto r = first_of({input_rank(g, n, 0, {4}), input_constant(g, n, 1, "paddings")})) return r;
  const auto& p = g.input(n, 1)->ints;
  if (p.size() == 8 && (p[0] || p[1] || p[6] || p[7]))
    return std::string("pads the batch or channel axis (H and W only)");
  return std::nullopt;
}
Reason mirror_pad(const OpGraph& g, const OpNode& n) {
  if (n.int_attr("mode", 0) != 0) return std::string("mode SYMMETRIC (REFLECT only)");
  return pad(g, n);
}
// reshape_op_builder.cc: a constant target shape.
Reason reshape(const OpGraph& g, const OpNode& n) {
  if (n.inputs.size() > 1 && n.inputs[1] >= 0) return input_constant(g, n, 1, "new shape");
  return std::nullopt;
}
Reason softmax(const OpGraph&, const OpNode& n) {
  if (n.float_attr("beta", 1.0f) != 1.0f) return std::string("beta != 1 is not supported");
  return std::nullopt;
}
// FP16GraphPartitionHelper: DEQUANTIZE of constant float16 weights is folded into the consumer.
Reason dequantize(const OpGraph& g, const OpNode& n) {
  const TensorInfo* in = g.input(n, 0);
  if (in && in->type == ElemType::kF16 && in->is_constant) return std::nullopt;
  return std::string("only DEQUANTIZE of constant float16 weights is taken");
}
Reason transpose_conv(const OpGraph& g, const OpNode& n) {
  return input_constant(g, n, 1, "filter");
}

constexpr OpRule kRules[] = {
    {"ADD", binary},
    {"AVERAGE_POOL_2D", no_activation},
    {"CONCATENATION", concatenation},
    {"CONV_2D", conv},
    {"DEPTHWISE_CONV_2D", conv},
    {"DEQUANTIZE", dequantize},
    {"FULLY_CONNECTED", fully_connected},
    {"HARD_SWISH", nullptr},
    {"LOGISTIC", nullptr},
    {"MAX_POOL_2D", no_activation},
    {"MEAN", mean},
    {"MIRROR_PAD", mirror_pad},
    {"MUL", binary},
    {"PAD", pad},
    {"PADV2", pad},
    {"RELU", nullptr},
    {"RELU6", nullptr},
    {"RELU_N1_TO_1", nullptr},
    {"RESHAPE", reshape},
    {"RESIZE_BILINEAR", nullptr},
    {"SOFTMAX", softmax},
    {"TANH", nullptr},
    {"TRANSPOSE_CONV", transpose_conv},
};
static_assert(rules_sorted(kRules), "Core ML delegate rules must be sorted by op, no duplicates");

}  // namespace

const DelegateTable kTfliteCoremlTable{.rules = kRules, .common = common, .min_partition_nodes = 2};

}  // namespace mconv::delegates
