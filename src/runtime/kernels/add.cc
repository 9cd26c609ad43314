// Add: C = A + B with numpy broadcasting, on f32/i32/i64.
#include "runtime/kernels/binary.h"
#include "runtime/kernels/kernel_factories.h"

namespace mconv::runtime::kernels {

KernelPtr create_add_kernel(const ir::Node&) {
  return make_binary_kernel([](auto a, auto b) { return a + b; });
}

}  // namespace mconv::runtime::kernels
