// Shared pieces of the integer Conv: the packed operands and the two compute loops (im2col /
// pointwise GEMM rows, and the direct depthwise loop). Both accumulate
// sum((x - x_zp) * (w - w_zp)) + bias in int32, as TFLite's integer convolutions do, then
// requantize per output channel.
#pragma once

#include <cstdint>
#include <vector>

#include "runtime/kernels/conv_internal.h"
#include "runtime/kernels/quantized/quantized_util.h"

namespace mconv::runtime::quantized {

// Everything a compute loop needs besides the activations.
struct QuantizedConvOperands {
  std::vector<int16_t> weights;  // w - w_zp; GEMM: [O][kh][kw][Cg], depthwise: [kh][kw][O]
  std::vector<int32_t> bias;     // per output channel (zeros when the node has none)
  int32_t input_zero_point = 0;  // subtracted from every input code
  Requantizer requantize;        // int32 accumulator -> output code, per output channel
};

// NHWC convolution with groups through one im2col row per output pixel (the input row itself
// for a pointwise convolution). x and y are codes of type T. Rounding per gemm_rounding(ctx).
template <typename T>
void quantized_conv_gemm_nhwc(const kernels::ConvProblem& p, const QuantizedConvOperands& ops,
                              const T* x, T* y, const ExecContext& ctx);

// NHWC depthwise convolution (group == input channels, any depth multiplier), direct loop;
// rounding per depthwise_rounding(ctx).
template <typename T>
void quantized_conv_depthwise_nhwc(const kernels::ConvProblem& p, const QuantizedConvOperands& ops,
                                   const T* x, T* y, const ExecContext& ctx);

}  // namespace mconv::runtime::quantized
