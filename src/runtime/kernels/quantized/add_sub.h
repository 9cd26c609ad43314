// The integer ADD / SUB of TFLite (int8 and uint8): both inputs are brought to a common grid
// with 20 bits of headroom (x - zp) * 2^20 scaled by s_in / (2 * max(s_a, s_b)), added or
// subtracted, and the sum scaled by 2 * max(s_a, s_b) / (2^20 * s_out). Numpy broadcasting.
#pragma once

#include "runtime/kernels/quantized/quantized_util.h"

namespace mconv::runtime::quantized {

// Builds the kernel of an Add (subtract = false) or Sub node on quantized inputs.
KernelPtr create_add_sub_kernel(const ir::Node& node, bool subtract);

}  // namespace mconv::runtime::quantized
