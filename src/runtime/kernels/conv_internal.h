// Shared pieces of the Conv kernel: the resolved problem, the weight packings and the two
// compute paths (GEMM over im2col, and a direct depthwise loop).
#pragma once

#include <cstdint>
#include <vector>

#include "runtime/kernel.h"

namespace mconv::runtime::kernels {

// One Conv evaluation with every size resolved for the actual input.
struct ConvProblem {
  int64_t batch = 0;                        // N
  int64_t in_c = 0, in_h = 0, in_w = 0;     // input channels and spatial extent
  int64_t out_c = 0, out_h = 0, out_w = 0;  // output channels and spatial extent
  int64_t group = 1;                        // channel groups
  int64_t in_c_per_group = 0;               // Cg = in_c / group (weight dim 1)
  int64_t out_c_per_group = 0;              // Mg = out_c / group
  int64_t kernel_h = 0, kernel_w = 0;       // window size
  int64_t stride_h = 1, stride_w = 1;       // window step
  int64_t dilation_h = 1, dilation_w = 1;   // tap step
  int64_t pad_top = 0, pad_left = 0;        // leading pads (trailing ones are implied)
  bool nhwc = false;                        // activations channels-last

  // Reduction length of one output element: Cg * kh * kw.
  int64_t patch_size() const { return in_c_per_group * kernel_h * kernel_w; }
  // 1x1 window, unit stride, no padding: the input itself is the GEMM operand.
  bool is_pointwise() const {
    return kernel_h == 1 && kernel_w == 1 && stride_h == 1 && stride_w == 1 && pad_top == 0 &&
           pad_left == 0 && out_h == in_h && out_w == in_w;
  }
};

// Which loop computes a Conv; fixed by the weight shape, group and layout.
enum class ConvPath {
  kGemmNchw,       // im2col (or the input itself) times OIHW weights
  kGemmNhwc,       // NHWC im2col times weights packed [M][kh][kw][Cg]
  kDepthwiseNchw,  // one input channel per group, direct loop, OIHW weights
  kDepthwiseNhwc,  // one input and output channel per group, weights packed [kh][kw][C]
};

ConvPath choose_conv_path(bool nhwc, int64_t group, int64_t out_c, int64_t in_c_per_group);

// Reorders OIHW weights into the layout `path` reads.
std::vector<float> pack_conv_weights(ConvPath path, const std::vector<float>& oihw, int64_t out_c,
                                     int64_t in_c_per_group, int64_t kernel_h, int64_t kernel_w);

// y = conv(x, w) + bias for the paths above; bias may be null. `scratch` holds im2col buffers
// across runs.
void conv_gemm_nchw(const ConvProblem& p, const float* x, const float* w, const float* bias,
                    float* y, std::vector<float>& scratch, const ExecContext& ctx);
void conv_gemm_nhwc(const ConvProblem& p, const float* x, const float* w, const float* bias,
                    float* y, std::vector<float>& scratch, const ExecContext& ctx);
void conv_depthwise_nchw(const ConvProblem& p, const float* x, const float* w, const float* bias,
                         float* y, const ExecContext& ctx);
void conv_depthwise_nhwc(const ConvProblem& p, const float* x, const float* w, const float* bias,
                         float* y, const ExecContext& ctx);

}  // namespace mconv::runtime::kernels
