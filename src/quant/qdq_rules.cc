#include "quant/qdq_rules.h"

#include <array>

namespace mconv::quant {
namespace {

using ir::OpType;
using R = QuantRole;

// Rows in MCONV_IR_OPS order. Notes on the less obvious choices:
//  - AveragePool is tied (TFLite AVERAGE_POOL_2D requires input params == output params), the
//    global pools are not (they lower to MEAN, which rescales).
//  - Div/Pow/Sqrt have no int8 TFLite kernel with free params; Shape/Cast/ConstantOfShape are not
//    float math. BatchNormalization is folded before quantization (prepare_for_quantization).
//  - Q/DQ nodes mean the graph is already quantized; quantize_to_qdq refuses such graphs.
constexpr std::array<QuantRule, ir::kOpTypeCount> kRules = {{
    {OpType::kConv, R::kWeighted, false},
    {OpType::kBatchNormalization, R::kFloat, false},
    {OpType::kRelu, R::kActivation, false},
    {OpType::kClip, R::kActivation, false},
    {OpType::kLeakyRelu, R::kActivation, false},
    {OpType::kHardSigmoid, R::kFixedOutput, false},
    {OpType::kHardSwish, R::kActivation, false},
    {OpType::kSigmoid, R::kFixedOutput, false},
    {OpType::kTanh, R::kFixedOutput, false},
    {OpType::kAdd, R::kElementwise, false},
    {OpType::kSub, R::kElementwise, false},
    {OpType::kMul, R::kElementwise, false},
    {OpType::kDiv, R::kFloat, false},
    {OpType::kPow, R::kFloat, false},
    {OpType::kSqrt, R::kFloat, false},
    {OpType::kGlobalAveragePool, R::kRescaling, false},
    {OpType::kAveragePool, R::kTied, false},
    {OpType::kMaxPool, R::kTied, false},
    {OpType::kFlatten, R::kTied, false},
    {OpType::kReshape, R::kTied, false},
    {OpType::kGemm, R::kWeighted, false},
    {OpType::kMatMul, R::kWeighted, false},
    {OpType::kConcat, R::kTied, true},
    {OpType::kTranspose, R::kTied, false},
    {OpType::kSplit, R::kTied, false},
    {OpType::kSlice, R::kTied, false},
    {OpType::kSqueeze, R::kTied, false},
    {OpType::kUnsqueeze, R::kTied, false},
    {OpType::kShape, R::kFloat, false},
    {OpType::kGather, R::kTied, false},
    {OpType::kConstantOfShape, R::kFloat, false},
    {OpType::kIdentity, R::kTied, false},
    {OpType::kDropout, R::kTied, false},
    {OpType::kSoftmax, R::kFixedOutput, false},
    {OpType::kPad, R::kTied, false},
    {OpType::kReduceMean, R::kRescaling, false},
    {OpType::kCast, R::kFloat, false},
    {OpType::kQuantizeLinear, R::kFloat, false},
    {OpType::kDequantizeLinear, R::kFloat, false},
}};

constexpr bool rows_in_op_order() {
  for (size_t i = 0; i < kRules.size(); ++i)
    if (static_cast<size_t>(kRules[i].op) != i) return false;
  return true;
}
static_assert(kRules.size() == ir::kOpTypeCount, "one quantization rule per IR op");
static_assert(rows_in_op_order(), "quantization rules must follow the OpType order");

}  // namespace

const QuantRule& quant_rule(ir::OpType op) {
  return kRules[static_cast<size_t>(op)];
}

std::string_view quant_role_name(QuantRole role) {
  switch (role) {
    case R::kFloat:
      return "float";
    case R::kWeighted:
      return "weighted";
    case R::kElementwise:
      return "elementwise";
    case R::kActivation:
      return "activation";
    case R::kFixedOutput:
      return "fixed-output";
    case R::kRescaling:
      return "rescaling";
    case R::kTied:
      return "tied";
  }
  return "?";
}

}  // namespace mconv::quant
