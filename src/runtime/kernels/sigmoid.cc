// Sigmoid: y = 1 / (1 + exp(-x)), evaluated so that exp never overflows.
#include <cmath>

#include "runtime/kernels/kernel_factories.h"
#include "runtime/kernels/unary.h"

namespace mconv::runtime::kernels {

KernelPtr create_sigmoid_kernel(const ir::Node&) {
  return make_f32_unary_kernel([](float v) {
    if (v >= 0.0f) return 1.0f / (1.0f + std::exp(-v));
    const float e = std::exp(v);
    return e / (1.0f + e);
  });
}

}  // namespace mconv::runtime::kernels
