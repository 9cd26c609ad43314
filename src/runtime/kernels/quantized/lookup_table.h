// Elementwise integer ops whose output code depends on the input code alone, run through a
// 256-entry table built once per node (TFLite's LUT-based LOGISTIC / TANH for int8 and uint8).
#pragma once

#include "runtime/kernels/quantized/quantized_util.h"

namespace mconv::runtime::quantized {

// Kernel mapping every code of input 0 (of type `dtype`) through `table`, indexed by the byte.
KernelPtr make_table_kernel(DType dtype, std::vector<uint8_t> table);

// Kernel mapping every code of input 0 through build_lookup_table(in, out, f).
KernelPtr create_lookup_table_kernel(const ir::Node& node, float (*f)(float));

}  // namespace mconv::runtime::quantized
