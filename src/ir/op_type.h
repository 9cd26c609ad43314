// The closed set of operators the IR knows. Names and semantics follow ONNX (the richest common
// ground of the formats mconv reads and writes); attributes keep ONNX names. Every table keyed by
// OpType (interpreter kernels, exporters) is checked against kOpTypeCount with static_assert, so a
// new op cannot be half-added.
#pragma once

#include <cstdint>
#include <string_view>

namespace mconv::ir {

// X(name, min_inputs, max_inputs, outputs, layout_sensitive)
//   min/max_inputs: arity, counting optional inputs (an omitted optional input is nullptr)
//   outputs: fixed output count, or -1 when variable (Split)
//   layout_sensitive: the op reads a channel/spatial axis implied by Node::layout
#define MCONV_IR_OPS(X)                          \
  X(Conv, 2, 3, 1, true)                         \
  X(BatchNormalization, 5, 5, 1, true)           \
  X(Relu, 1, 1, 1, false)                        \
  X(Clip, 1, 3, 1, false)                        \
  X(LeakyRelu, 1, 1, 1, false)                   \
  X(HardSigmoid, 1, 1, 1, false)                 \
  X(HardSwish, 1, 1, 1, false)                   \
  X(Sigmoid, 1, 1, 1, false)                     \
  X(Tanh, 1, 1, 1, false)                        \
  X(Add, 2, 2, 1, false)                         \
  X(Sub, 2, 2, 1, false)                         \
  X(Mul, 2, 2, 1, false)                         \
  X(Div, 2, 2, 1, false)                         \
  X(Pow, 2, 2, 1, false)                         \
  X(Sqrt, 1, 1, 1, false)                        \
  X(GlobalAveragePool, 1, 1, 1, true)            \
  X(AveragePool, 1, 1, 1, true)                  \
  X(MaxPool, 1, 1, 1, true)                      \
  X(Flatten, 1, 1, 1, false)                     \
  X(Reshape, 2, 2, 1, false)                     \
  X(Gemm, 2, 3, 1, false)                        \
  X(MatMul, 2, 2, 1, false)                      \
  X(Concat, 1, 1024, 1, false)                   \
  X(Transpose, 1, 1, 1, false)                   \
  X(Split, 1, 2, -1, false)                      \
  X(Slice, 3, 5, 1, false)                       \
  X(Squeeze, 1, 2, 1, false)                     \
  X(Unsqueeze, 2, 2, 1, false)                   \
  X(Shape, 1, 1, 1, false)                       \
  X(Gather, 2, 2, 1, false)                      \
  X(ConstantOfShape, 1, 1, 1, false)             \
  X(Identity, 1, 1, 1, false)                    \
  X(Dropout, 1, 3, 1, false)                     \
  X(Softmax, 1, 1, 1, false)                     \
  X(Pad, 2, 4, 1, false)                         \
  X(ReduceMean, 1, 2, 1, false)                  \
  X(Cast, 1, 1, 1, false)                        \
  X(QuantizeLinear, 2, 3, 1, false)              \
  X(DequantizeLinear, 2, 3, 1, false)

enum class OpType : uint16_t {
#define MCONV_IR_OP_ENUM(name, ...) k##name,
  MCONV_IR_OPS(MCONV_IR_OP_ENUM)
#undef MCONV_IR_OP_ENUM
};

#define MCONV_IR_OP_COUNT(...) +1
inline constexpr int kOpTypeCount = 0 MCONV_IR_OPS(MCONV_IR_OP_COUNT);
#undef MCONV_IR_OP_COUNT

struct OpInfo {
  OpType type;            // the op this row describes
  std::string_view name;  // ONNX-style name, also used in dumps
  int min_inputs;         // fewest inputs a valid node has
  int max_inputs;         // most inputs (optional ones included)
  int outputs;            // fixed output count, -1 = variable
  bool layout_sensitive;  // reads channel/spatial axes implied by Node::layout
};

const OpInfo& op_info(OpType op);
std::string_view op_name(OpType op);
// Looks an op up by its ONNX-style name; false when the IR has no such op.
bool op_from_name(std::string_view name, OpType* out);

}  // namespace mconv::ir
