// The integer RELU / RELU6 / clip of TFLite (QuantizedReluX): each code is moved to the output's
// grid (x - in_zp) * s_in / s_out + out_zp and clamped to the quantized activation bounds. When
// the input and output share their parameters (a fused activation split off by the importer)
// the rescale is exact and this is a plain clamp, as the fused form computes it.
#pragma once

#include "runtime/kernels/quantized/quantized_util.h"

namespace mconv::runtime::quantized {

// Kernel clamping the real values to [real_min, real_max] (infinite = unbounded).
KernelPtr create_clamp_kernel(const ir::Node& node, float real_min, float real_max);

}  // namespace mconv::runtime::quantized
