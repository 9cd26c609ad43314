// Integer kernels for quantized graphs (the IR form of a fully quantized .tflite: i8/u8
// activations and weights, i32 biases, QuantParams on every value). Each op computes on the
// quantized codes with TFLite's integer arithmetic and writes codes on its output's grid. One
// factory per op, defined in the file of the same name in this folder; the registry
// (runtime/kernel_registry.cc) lists them in OpType order beside the float kernels.
#pragma once

#include "runtime/kernels/quantized/quantized_util.h"

namespace mconv::runtime::quantized {

KernelPtr create_conv_kernel(const ir::Node& node);             // conv.cc (+ conv_depthwise.cc)
KernelPtr create_gemm_kernel(const ir::Node& node);             // fully_connected.cc
KernelPtr create_add_kernel(const ir::Node& node);              // add.cc
KernelPtr create_sub_kernel(const ir::Node& node);              // sub.cc
KernelPtr create_mul_kernel(const ir::Node& node);              // mul.cc
KernelPtr create_relu_kernel(const ir::Node& node);             // relu.cc
KernelPtr create_clip_kernel(const ir::Node& node);             // clip.cc
KernelPtr create_hard_swish_kernel(const ir::Node& node);       // hard_swish.cc
KernelPtr create_sigmoid_kernel(const ir::Node& node);          // sigmoid.cc
KernelPtr create_tanh_kernel(const ir::Node& node);             // tanh.cc
KernelPtr create_softmax_kernel(const ir::Node& node);          // softmax.cc
KernelPtr create_reduce_mean_kernel(const ir::Node& node);      // reduce_mean.cc
KernelPtr create_average_pool_kernel(const ir::Node& node);     // average_pool.cc
KernelPtr create_max_pool_kernel(const ir::Node& node);         // max_pool.cc
KernelPtr create_concat_kernel(const ir::Node& node);           // concat.cc
KernelPtr create_pad_kernel(const ir::Node& node);              // pad.cc
KernelPtr create_quantize_linear_kernel(const ir::Node& node);  // quantize_linear.cc

// Data-movement ops (Reshape, Transpose, Gather, Slice, ...) run their float-table kernel, which
// copies elements of any dtype; these check that every output keeps input 0's quantization, the
// TFLite requirement that makes a plain copy exact (passthrough.cc).
KernelPtr create_reshape_kernel(const ir::Node& node);
KernelPtr create_flatten_kernel(const ir::Node& node);
KernelPtr create_transpose_kernel(const ir::Node& node);
KernelPtr create_squeeze_kernel(const ir::Node& node);
KernelPtr create_unsqueeze_kernel(const ir::Node& node);
KernelPtr create_identity_kernel(const ir::Node& node);
KernelPtr create_dropout_kernel(const ir::Node& node);
KernelPtr create_slice_kernel(const ir::Node& node);
KernelPtr create_split_kernel(const ir::Node& node);
KernelPtr create_gather_kernel(const ir::Node& node);

}  // namespace mconv::runtime::quantized
