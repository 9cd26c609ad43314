// QDQ graph -> full-integer graph: the form of a fully quantized TFLite model, which the TFLite
// exporter writes as int8 operators and the interpreter runs with integer kernels.
//
// In the QDQ graph (quantize_qdq.h) every quantized op reads DequantizeLinear outputs and its
// result goes through QuantizeLinear. Here each such op is rewired to read the integer values
// directly (weights as int8 constants with per-channel params, biases as int32) and to write the
// integer value the QuantizeLinear produced, so the Q/DQ pairs disappear. A Relu/Clip fused after
// its producer keeps reading an integer value with the post-activation params (TFLite fuses it into
// the producer; a Clip the output range already enforces is dropped).
//
// What stays: QuantizeLinear after each float graph input and DequantizeLinear before each float
// graph output (TFLite QUANTIZE / DEQUANTIZE), or, with integer I/O, int8/uint8 graph inputs and
// outputs under their original names (uint8 through a requantizing QuantizeLinear).
// A float tail after the last quantized op (no QuantizeLinear downstream, e.g. the Softmax that
// quantize_post_training leaves in float by default) stays float behind its DequantizeLinear.
// A node that would still compute in float between the two ends is an error naming it, unless
// float islands are allowed (mixed precision): then it stays float between a DEQUANTIZE and a
// QUANTIZE inside the integer graph.
#pragma once

#include "core/status.h"
#include "ir/graph.h"

namespace mconv::quant {

enum class IntegerIo : uint8_t {
  kFloat,  // float32 inputs/outputs with QUANTIZE/DEQUANTIZE at the ends (default)
  kInt8,   // int8 inputs/outputs (the activations' own params)
  kUint8,  // uint8 inputs/outputs (same reals, zero points + 128)
};

struct IntegerLoweringOptions {
  IntegerIo io = IntegerIo::kFloat;  // type of graph inputs and outputs
  // Accept float islands (mixed precision: activations without Q/DQ, QuantizeOptions::
  // float_values): their nodes stay float between DEQUANTIZE and QUANTIZE, reading their
  // weights as dequantized float constants. Off: every op between the ends must be integer.
  bool allow_float_islands = false;
};

// `qdq` must come from quantize_to_qdq with int8 activations (QuantizeOptions::activation_type).
Expected<ir::Graph> lower_to_integer(const ir::Graph& qdq,
                                     const IntegerLoweringOptions& options = {});

}  // namespace mconv::quant
