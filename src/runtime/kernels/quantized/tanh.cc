// Integer Tanh (TFLite TANH on int8/uint8): a table of tanh over the 256 input codes, computed
// in float and rounded to the output grid (TFLite's LUT kernel).
#include <cmath>

#include "runtime/kernels/quantized/lookup_table.h"
#include "runtime/kernels/quantized/quantized_kernels.h"

namespace mconv::runtime::quantized {

KernelPtr create_tanh_kernel(const ir::Node& node) {
  return create_lookup_table_kernel(node, [](float x) { return std::tanh(x); });
}

}  // namespace mconv::runtime::quantized
