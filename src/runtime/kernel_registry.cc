#include "runtime/kernel_registry.h"

#include <algorithm>
#include <array>

#include "runtime/kernels/kernel_factories.h"
#include "runtime/kernels/quantized/quantized_kernels.h"

namespace mconv::runtime {
namespace {

using ir::OpType;

struct KernelRow {
  OpType op;             // the op this row serves (rows are in OpType order)
  KernelFactory create;  // builds the node's kernel
};

// One row per op, in the order of MCONV_IR_OPS.
constexpr KernelRow kKernels[] = {
    {OpType::kConv, kernels::create_conv_kernel},
    {OpType::kBatchNormalization, kernels::create_batch_normalization_kernel},
    {OpType::kRelu, kernels::create_relu_kernel},
    {OpType::kClip, kernels::create_clip_kernel},
    {OpType::kLeakyRelu, kernels::create_leaky_relu_kernel},
    {OpType::kHardSigmoid, kernels::create_hard_sigmoid_kernel},
    {OpType::kHardSwish, kernels::create_hard_swish_kernel},
    {OpType::kSigmoid, kernels::create_sigmoid_kernel},
    {OpType::kTanh, kernels::create_tanh_kernel},
    {OpType::kAdd, kernels::create_add_kernel},
    {OpType::kSub, kernels::create_sub_kernel},
    {OpType::kMul, kernels::create_mul_kernel},
    {OpType::kDiv, kernels::create_div_kernel},
    {OpType::kPow, kernels::create_pow_kernel},
    {OpType::kSqrt, kernels::create_sqrt_kernel},
    {OpType::kGlobalAveragePool, kernels::create_global_average_pool_kernel},
    {OpType::kAveragePool, kernels::create_average_pool_kernel},
    {OpType::kMaxPool, kernels::create_max_pool_kernel},
    {OpType::kFlatten, kernels::create_flatten_kernel},
    {OpType::kReshape, kernels::create_reshape_kernel},
    {OpType::kGemm, kernels::create_gemm_kernel},
    {OpType::kMatMul, kernels::create_matmul_kernel},
    {OpType::kConcat, kernels::create_concat_kernel},
    {OpType::kTranspose, kernels::create_transpose_kernel},
    {OpType::kSplit, kernels::create_split_kernel},
    {OpType::kSlice, kernels::create_slice_kernel},
    {OpType::kSqueeze, kernels::create_squeeze_kernel},
    {OpType::kUnsqueeze, kernels::create_unsqueeze_kernel},
    {OpType::kShape, kernels::create_shape_kernel},
    {OpType::kGather, kernels::create_gather_kernel},
    {OpType::kConstantOfShape, kernels::create_constant_of_shape_kernel},
    {OpType::kIdentity, kernels::create_identity_kernel},
    {OpType::kDropout, kernels::create_dropout_kernel},
    {OpType::kSoftmax, kernels::create_softmax_kernel},
    {OpType::kPad, kernels::create_pad_kernel},
    {OpType::kReduceMean, kernels::create_reduce_mean_kernel},
    {OpType::kCast, kernels::create_cast_kernel},
    {OpType::kQuantizeLinear, kernels::create_quantize_linear_kernel},
    {OpType::kDequantizeLinear, kernels::create_dequantize_linear_kernel},
};

static_assert(std::size(kKernels) == ir::kOpTypeCount,
              "every IR op needs exactly one kernel row: add the new op's kernel here");

constexpr bool rows_follow_op_order() {
  for (size_t i = 0; i < std::size(kKernels); ++i)
    if (static_cast<size_t>(kKernels[i].op) != i) return false;
  return true;
}
static_assert(rows_follow_op_order(), "kKernels rows must follow the OpType enum order");

// The integer kernels, one row per op in the order of MCONV_IR_OPS: null where the op has no
// integer kernel (a quantized node of that op is refused by the interpreter). Ops that only move
// or inspect data reuse their float kernel when the dtype does not matter to it.
namespace q = quantized;
constexpr KernelRow kQuantizedKernels[] = {
    {OpType::kConv, q::create_conv_kernel},
    {OpType::kBatchNormalization, nullptr},
    {OpType::kRelu, q::create_relu_kernel},
    {OpType::kClip, q::create_clip_kernel},
    {OpType::kLeakyRelu, nullptr},
    {OpType::kHardSigmoid, nullptr},
    {OpType::kHardSwish, q::create_hard_swish_kernel},
    {OpType::kSigmoid, q::create_sigmoid_kernel},
    {OpType::kTanh, q::create_tanh_kernel},
    {OpType::kAdd, q::create_add_kernel},
    {OpType::kSub, q::create_sub_kernel},
    {OpType::kMul, q::create_mul_kernel},
    {OpType::kDiv, nullptr},
    {OpType::kPow, nullptr},
    {OpType::kSqrt, nullptr},
    {OpType::kGlobalAveragePool, nullptr},
    {OpType::kAveragePool, q::create_average_pool_kernel},
    {OpType::kMaxPool, q::create_max_pool_kernel},
    {OpType::kFlatten, q::create_flatten_kernel},
    {OpType::kReshape, q::create_reshape_kernel},
    {OpType::kGemm, q::create_gemm_kernel},
    {OpType::kMatMul, nullptr},
    {OpType::kConcat, q::create_concat_kernel},
    {OpType::kTranspose, q::create_transpose_kernel},
    {OpType::kSplit, q::create_split_kernel},
    {OpType::kSlice, q::create_slice_kernel},
    {OpType::kSqueeze, q::create_squeeze_kernel},
    {OpType::kUnsqueeze, q::create_unsqueeze_kernel},
    {OpType::kShape, kernels::create_shape_kernel},
    {OpType::kGather, q::create_gather_kernel},
    {OpType::kConstantOfShape, nullptr},
    {OpType::kIdentity, q::create_identity_kernel},
    {OpType::kDropout, q::create_dropout_kernel},
    {OpType::kSoftmax, q::create_softmax_kernel},
    {OpType::kPad, q::create_pad_kernel},
    {OpType::kReduceMean, q::create_reduce_mean_kernel},
    {OpType::kCast, kernels::create_cast_kernel},
    {OpType::kQuantizeLinear, q::create_quantize_linear_kernel},
    {OpType::kDequantizeLinear, kernels::create_dequantize_linear_kernel},
};

static_assert(std::size(kQuantizedKernels) == ir::kOpTypeCount,
              "every IR op needs exactly one integer-kernel row (null when it has none)");

constexpr bool quantized_rows_follow_op_order() {
  for (size_t i = 0; i < std::size(kQuantizedKernels); ++i)
    if (static_cast<size_t>(kQuantizedKernels[i].op) != i) return false;
  return true;
}
static_assert(quantized_rows_follow_op_order(),
              "kQuantizedKernels rows must follow the OpType enum order");

}  // namespace

KernelFactory kernel_factory(ir::OpType op) {
  return kKernels[static_cast<size_t>(op)].create;
}

KernelFactory quantized_kernel_factory(ir::OpType op) {
  return kQuantizedKernels[static_cast<size_t>(op)].create;
}

bool is_quantized_node(const ir::Node& node) {
  auto quantized = [](const ir::Value* v) {
    return v && v->quant && (v->dtype == DType::kI8 || v->dtype == DType::kU8);
  };
  return std::any_of(node.inputs.begin(), node.inputs.end(), quantized) ||
         std::any_of(node.outputs.begin(), node.outputs.end(), quantized);
}

}  // namespace mconv::runtime
