// HardSigmoid: y = max(0, min(1, alpha * x + beta)) (alpha 0.2, beta 0.5 by default).
#include <algorithm>

#include "runtime/kernels/kernel_factories.h"
#include "runtime/kernels/unary.h"

namespace mconv::runtime::kernels {

KernelPtr create_hard_sigmoid_kernel(const ir::Node& node) {
  const float alpha = node.attrs.get_float("alpha", 0.2f);
  const float beta = node.attrs.get_float("beta", 0.5f);
  return make_f32_unary_kernel(
      [alpha, beta](float v) { return std::min(std::max(alpha * v + beta, 0.0f), 1.0f); });
}

}  // namespace mconv::runtime::kernels
