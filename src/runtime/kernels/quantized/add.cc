// Integer Add (TFLite ADD on int8/uint8); the arithmetic lives in add_sub.cc.
#include "runtime/kernels/quantized/add_sub.h"
#include "runtime/kernels/quantized/quantized_kernels.h"

namespace mconv::runtime::quantized {

KernelPtr create_add_kernel(const ir::Node& node) {
  return create_add_sub_kernel(node, false);
}

}  // namespace mconv::runtime::quantized
