// The lowering of every IR op, in op-table order (checked against kOpTypeCount).
#include <array>

#include "tflite/export/lower_context.h"

namespace mconv::tflite {

namespace {

struct Row {
  ir::OpType op;  // IR op
  LowerFn fn;     // its lowering
};

constexpr std::array kRows = {
    Row{ir::OpType::kConv, lower_conv},
    Row{ir::OpType::kBatchNormalization, lower_batch_norm},
    Row{ir::OpType::kRelu, lower_relu},
    Row{ir::OpType::kClip, lower_clip},
    Row{ir::OpType::kLeakyRelu, lower_leaky_relu},
    Row{ir::OpType::kHardSigmoid, lower_hard_sigmoid},
    Row{ir::OpType::kHardSwish, lower_hard_swish},
    Row{ir::OpType::kSigmoid, lower_sigmoid},
    Row{ir::OpType::kTanh, lower_tanh},
    Row{ir::OpType::kAdd, lower_binary},
    Row{ir::OpType::kSub, lower_binary},
    Row{ir::OpType::kMul, lower_binary},
    Row{ir::OpType::kDiv, lower_binary},
    Row{ir::OpType::kPow, lower_binary},
    Row{ir::OpType::kSqrt, lower_sqrt},
    Row{ir::OpType::kGlobalAveragePool, lower_global_average_pool},
    Row{ir::OpType::kAveragePool, lower_average_pool},
    Row{ir::OpType::kMaxPool, lower_max_pool},
    Row{ir::OpType::kFlatten, lower_reshape},
    Row{ir::OpType::kReshape, lower_reshape},
    Row{ir::OpType::kGemm, lower_gemm},
    Row{ir::OpType::kMatMul, lower_matmul},
    Row{ir::OpType::kConcat, lower_concat},
    Row{ir::OpType::kTranspose, lower_transpose},
    Row{ir::OpType::kSplit, lower_split},
    Row{ir::OpType::kSlice, lower_slice},
    Row{ir::OpType::kSqueeze, lower_reshape},
    Row{ir::OpType::kUnsqueeze, lower_reshape},
    Row{ir::OpType::kShape, lower_shape},
    Row{ir::OpType::kGather, lower_gather},
    Row{ir::OpType::kConstantOfShape, lower_unsupported},  // folded away on static shapes
    Row{ir::OpType::kIdentity, lower_pass_through},
    Row{ir::OpType::kDropout, lower_pass_through},
    Row{ir::OpType::kSoftmax, lower_softmax},
    Row{ir::OpType::kPad, lower_pad},
    Row{ir::OpType::kReduceMean, lower_reduce_mean},
    Row{ir::OpType::kCast, lower_cast},
    Row{ir::OpType::kQuantizeLinear, lower_quantize},
    Row{ir::OpType::kDequantizeLinear, lower_dequantize},
};
static_assert(kRows.size() == ir::kOpTypeCount, "every IR op needs a TFLite lowering row");

constexpr bool rows_in_order() {
  for (size_t i = 0; i < kRows.size(); ++i)
    if (static_cast<size_t>(kRows[i].op) != i) return false;
  return true;
}
static_assert(rows_in_order(), "rows must follow the IR op table order");

}  // namespace

LowerFn lowering_for(ir::OpType op) {
  return kRows[static_cast<size_t>(op)].fn;
}

}  // namespace mconv::tflite
