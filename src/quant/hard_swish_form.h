// Hard-swish in the form integer runtimes run fastest, exactly (same FP32 function):
//
//   HardSwish(x)  =>  t = Clip(Add(x, 3), 0, 6);  y6 = Mul(x, t)        (y6 = 6 * hard_swish(x))
//
// and the 1/6 folded into whatever reads y6: Conv/Gemm/MatMul weights take the factor, and ops
// that commute with a positive scale (Relu, pools, ReduceMean, reshapes, Mul by another tensor)
// pass it on to their own readers. Where a path ends anywhere else (a graph output, an Add of
// two branches, ...) an explicit Mul(y6, 1/6) restores the value instead.
//
// Why: quantized, the pair is int8 ADD with fused RELU6 and int8 MUL, which XNNPACK's TFLite
// delegate runs inside its partition (it takes no int8 HARD_SWISH: every one cut the graph into
// another partition on reference kernels), and which ONNX Runtime fuses into QLinearAdd (the Clip
// absorbed by the output range) and QLinearMul (HardSwish between Q/DQ ran in float, with
// Transposes around it after ORT's NHWC rewrite). int8 codes of y6 carry the same grid as codes of
// hard_swish(x) with a six times smaller scale, and per-channel weight scales absorb the 1/6
// without changing a single int8 weight.
//
// Values that now hold six times their old value are renamed "<name>_x6", so per-layer
// comparisons by name never pair them with the unscaled originals.
#pragma once

#include <cstdint>

#include "core/status.h"
#include "ir/graph.h"

namespace mconv::quant {

enum class HardSwishForm : uint8_t {
  kHardSwish,  // keep HardSwish nodes (TFLite HARD_SWISH, ONNX HardSwish between Q/DQ)
  kAddMul,     // Add + Clip(0, 6) + Mul, 1/6 folded into the readers (default)
};

struct HardSwishRewrite {
  int decomposed = 0;      // HardSwish nodes rewritten
  int folded = 0;          // of which the 1/6 went into reader weights
  int weights_scaled = 0;  // Conv/Gemm/MatMul nodes whose weights took a 1/6
};

// Rewrites every HardSwish of `graph` in place (graph must be FP32; sorted on return).
Expected<HardSwishRewrite> decompose_hard_swish(ir::Graph& graph);

}  // namespace mconv::quant
