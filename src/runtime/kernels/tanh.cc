// Tanh: y = tanh(x).
#include <cmath>

#include "runtime/kernels/kernel_factories.h"
#include "runtime/kernels/unary.h"

namespace mconv::runtime::kernels {

KernelPtr create_tanh_kernel(const ir::Node&) {
  return make_f32_unary_kernel([](float v) { return std::tanh(v); });
}

}  // namespace mconv::runtime::kernels
