// Integer Sub (TFLite SUB on int8/uint8); the arithmetic lives in add_sub.cc.
#include "runtime/kernels/quantized/add_sub.h"
#include "runtime/kernels/quantized/quantized_kernels.h"

namespace mconv::runtime::quantized {

KernelPtr create_sub_kernel(const ir::Node& node) {
  return create_add_sub_kernel(node, true);
}

}  // namespace mconv::runtime::quantized
