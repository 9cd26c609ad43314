// Integer Relu (TFLite RELU on int8/uint8, and the importer's split-off fused RELU).
#include <limits>

#include "runtime/kernels/quantized/clamp_activation.h"
#include "runtime/kernels/quantized/quantized_kernels.h"

namespace mconv::runtime::quantized {

KernelPtr create_relu_kernel(const ir::Node& node) {
  return create_clamp_kernel(node, 0.0f, std::numeric_limits<float>::infinity());
}

}  // namespace mconv::runtime::quantized
