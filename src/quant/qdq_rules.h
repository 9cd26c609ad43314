// How the QDQ rewrite treats each IR op, one row per op (static_assert keeps the table complete).
// The roles follow what the targets can run on int8: ONNX Runtime's QDQ fusions (QLinearConv,
// QLinearMatMul/QGemm, QLinearAdd/Mul, QLinearGlobalAveragePool, QLinearSigmoid, QLinearConcat,
// dropped Q/DQ around data movement) and TFLite's full-integer kernels with the parameter
// constraints of the TFLite 8-bit quantization spec (tied params, fixed output params).
#pragma once

#include <cstdint>
#include <string_view>

#include "ir/op_type.h"

namespace mconv::quant {

enum class QuantRole : uint8_t {
  kFloat,        // stays float; its operands get Q/DQ only when a quantized op shares them
  kWeighted,     // Conv / Gemm / MatMul: activation in, int8 weights, int32 bias, own output params
  kElementwise,  // Add / Sub / Mul: every operand quantized (constants as int8 per tensor)
  kActivation,   // Relu / Clip / LeakyRelu / HardSwish: input and output with their own params
  kFixedOutput,  // Sigmoid / HardSigmoid / Tanh / Softmax: output params fixed by the spec
  kRescaling,    // GlobalAveragePool / ReduceMean (TFLite MEAN): own output params
  kTied,         // data movement and MaxPool/AveragePool: output params = data input params
};

struct QuantRule {
  ir::OpType op;         // the op this row describes (rows follow the OpType order)
  QuantRole role;        // how it is quantized
  bool all_inputs_data;  // kTied: every input is data tied to the output (Concat); else input 0
};

const QuantRule& quant_rule(ir::OpType op);
inline QuantRole quant_role(ir::OpType op) {
  return quant_rule(op).role;
}
std::string_view quant_role_name(QuantRole role);

}  // namespace mconv::quant
