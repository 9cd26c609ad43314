// Sqrt: y = sqrt(x) (NaN for negative x, as in ONNX).
#include <cmath>

#include "runtime/kernels/kernel_factories.h"
#include "runtime/kernels/unary.h"

namespace mconv::runtime::kernels {

KernelPtr create_sqrt_kernel(const ir::Node&) {
  return make_f32_unary_kernel([](float v) { return std::sqrt(v); });
}

}  // namespace mconv::runtime::kernels
