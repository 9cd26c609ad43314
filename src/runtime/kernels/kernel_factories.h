// One factory per IR op, each defined in the kernel file of the same name. The registry
// (runtime/kernel_registry.cc) lists them in OpType order.
#pragma once

#include "runtime/kernel.h"

namespace mconv::runtime::kernels {

using KernelPtr = Expected<std::unique_ptr<Kernel>>;

KernelPtr create_conv_kernel(const ir::Node& node);
KernelPtr create_batch_normalization_kernel(const ir::Node& node);
KernelPtr create_relu_kernel(const ir::Node& node);
KernelPtr create_clip_kernel(const ir::Node& node);
KernelPtr create_leaky_relu_kernel(const ir::Node& node);
KernelPtr create_hard_sigmoid_kernel(const ir::Node& node);
KernelPtr create_hard_swish_kernel(const ir::Node& node);
KernelPtr create_sigmoid_kernel(const ir::Node& node);
KernelPtr create_tanh_kernel(const ir::Node& node);
KernelPtr create_add_kernel(const ir::Node& node);
KernelPtr create_sub_kernel(const ir::Node& node);
KernelPtr create_mul_kernel(const ir::Node& node);
KernelPtr create_div_kernel(const ir::Node& node);
KernelPtr create_pow_kernel(const ir::Node& node);
KernelPtr create_sqrt_kernel(const ir::Node& node);
KernelPtr create_global_average_pool_kernel(const ir::Node& node);
KernelPtr create_average_pool_kernel(const ir::Node& node);
KernelPtr create_max_pool_kernel(const ir::Node& node);
KernelPtr create_flatten_kernel(const ir::Node& node);
KernelPtr create_reshape_kernel(const ir::Node& node);
KernelPtr create_gemm_kernel(const ir::Node& node);
KernelPtr create_matmul_kernel(const ir::Node& node);
KernelPtr create_concat_kernel(const ir::Node& node);
KernelPtr create_transpose_kernel(const ir::Node& node);
KernelPtr create_split_kernel(const ir::Node& node);
KernelPtr create_slice_kernel(const ir::Node& node);
KernelPtr create_squeeze_kernel(const ir::Node& node);
KernelPtr create_unsqueeze_kernel(const ir::Node& node);
KernelPtr create_shape_kernel(const ir::Node& node);
KernelPtr create_gather_kernel(const ir::Node& node);
KernelPtr create_constant_of_shape_kernel(const ir::Node& node);
KernelPtr create_identity_kernel(const ir::Node& node);
KernelPtr create_dropout_kernel(const ir::Node& node);
KernelPtr create_softmax_kernel(const ir::Node& node);
KernelPtr create_pad_kernel(const ir::Node& node);
KernelPtr create_reduce_mean_kernel(const ir::Node& node);
KernelPtr create_cast_kernel(const ir::Node& node);
KernelPtr create_quantize_linear_kernel(const ir::Node& node);
KernelPtr create_dequantize_linear_kernel(const ir::Node& node);

}  // namespace mconv::runtime::kernels
