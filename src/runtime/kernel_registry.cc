#include "runtime/kernel_registry.h"

#include <array>

#include "runtime/kernels/kernel_factories.h"

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

}  // namespace

KernelFactory kernel_factory(ir::OpType op) {
  return kKernels[static_cast<size_t>(op)].create;
}

}  // namespace mconv::runtime
