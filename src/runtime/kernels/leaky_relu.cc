// LeakyRelu: y = x >= 0 ? x : alpha * x (alpha default 0.01).
#include "runtime/kernels/kernel_factories.h"
#include "runtime/kernels/unary.h"

namespace mconv::runtime::kernels {

KernelPtr create_leaky_relu_kernel(const ir::Node& node) {
  const float alpha = node.attrs.get_float("alpha", 0.01f);
  return make_f32_unary_kernel([alpha](float v) { return v >= 0.0f ? v : alpha * v; });
}

}  // namespace mconv::runtime::kernels
