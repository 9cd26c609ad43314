// HardSwish: y = x * max(0, min(1, x / 6 + 1/2)) (ONNX fixes alpha = 1/6, beta = 0.5).
#include <algorithm>

#include "runtime/kernels/kernel_factories.h"
#include "runtime/kernels/unary.h"

namespace mconv::runtime::kernels {

KernelPtr create_hard_swish_kernel(const ir::Node&) {
  return make_f32_unary_kernel(
      [](float v) { return v * std::min(std::max(v * (1.0f / 6.0f) + 0.5f, 0.0f), 1.0f); });
}

}  // namespace mconv::runtime::kernels
