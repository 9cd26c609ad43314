// Squeeze-excite gates made quantization-friendly, exactly (same FP32 function):
//
//   Conv -> HardSigmoid(alpha, beta)        =>  Conv(alpha*W, alpha*b + beta) -> Clip(0, 1)
//   Conv -> Clip(lo, hi) -> Mul(c > 0)      =>  Conv(c*W, c*b) -> Clip(c*lo, c*hi)
//   Mul(x, HardSigmoid(x)) [1/6, 1/2]       =>  HardSwish(x)
//
// Why: the gate of MobileNetV3's SE block is hard_sigmoid(conv(...)). Quantized as written it
// takes two or three requantizations (the conv output, relu6, the 1/6 product); folded, the conv
// writes the gate directly and an int8 output over exactly [0, 1] (scale 1/255) *is* the clip,
// so the full-integer graph has one rounding where the naive form has three. torchvision's
// exports below opset 14 spell hard-swish as x * HardSigmoid(x); int8 kernels want HARD_SWISH.
#pragma once

#include <string>
#include <vector>

#include "core/status.h"
#include "ir/graph.h"

namespace mconv::quant {

struct GateFolding {
  int folded = 0;                  // rewrites applied
  std::vector<std::string> gates;  // Clip(0, 1) outputs the folds produced (quantize over [0, 1])
};

// Rewrites in place; the Conv (and Clip) folded into must have no other readers.
Expected<GateFolding> fold_gates(ir::Graph& graph);

}  // namespace mconv::quant
