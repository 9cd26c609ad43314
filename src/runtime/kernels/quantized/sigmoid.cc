// Integer Sigmoid (TFLite LOGISTIC on int8/uint8): a table of 1 / (1 + exp(-x)) over the 256
// input codes, computed in float and rounded to the output grid (TFLite's LUT kernel; the
// converter fixes the output to scale 1/256 with zero point -128 (int8) or 0 (uint8)).
#include <cmath>

#include "runtime/kernels/quantized/lookup_table.h"
#include "runtime/kernels/quantized/quantized_kernels.h"

namespace mconv::runtime::quantized {

KernelPtr create_sigmoid_kernel(const ir::Node& node) {
  return create_lookup_table_kernel(node, [](float x) { return 1.0f / (1.0f + std::exp(-x)); });
}

}  // namespace mconv::runtime::quantized
