// The closed set of operators the IR knows, with the per-op rules every pass relies on. Names and
// semantics follow ONNX (the richest common ground of the formats mconv reads and writes);
// attributes keep ONNX names. Every table keyed by OpType (interpreter kernels, exporters) is
// checked against kOpTypeCount with static_assert, and the traits below are columns of the same
// X-macro row, so a new op cannot be added without saying how passes must treat it (a row with a
// missing column does not compile) and no pass needs a `switch` with a silent `default`.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

namespace mconv::ir {

// How an op treats the axes of its operands: what a layout rewrite must do to it, and whether
// it keeps its input's axis order (model summary, layout detection).
enum class AxisRule : uint8_t {
  kChannelLayout,  // reads channel/spatial axes from Node::layout (Conv, BatchNormalization, pools)
  kElementwise,    // output element i from input element i; other inputs are scalars (activations)
  kBroadcast,      // elementwise over numpy-broadcast operands (Add, Mul, ...)
  kQuantAxis,      // elementwise with an optional per-channel "axis" attribute (Q/DQ)
  kConcatAxis,     // joins its inputs along "axis"
  kAxisAttr,       // one "axis" attribute naming an axis of input 0; outputs keep its axes
  kSliceAxes,      // axes as input 3, paired with starts/ends (Slice)
  kReduceAxes,     // "axes"/"keepdims" attributes (ReduceMean)
  kPermute,        // relabels axes by "perm" (Transpose)
  kPadAxes,        // per-axis [begins..., ends...] as input 1 (Pad)
  kGatherAxis,     // indexes along "axis" (Gather)
  kReshape,        // reshapes the tensor in row-major order (Reshape, Flatten, Squeeze, Unsqueeze)
  kFixedAxes,      // needs its operands in source axis order (Gemm, MatMul, Shape, ...)
};

// Bit i set: input i holds learned weights that formats store as weight buffers (Conv W/B, Gemm
// B/C). BatchNormalization's statistics are not listed: they are folded into convs before export.
using InputMask = uint32_t;
inline constexpr InputMask kNoWeights = 0;
inline constexpr InputMask kWeightsAndBias = 0b110;  // inputs 1 and 2

// X(name, min_inputs, max_inputs, outputs, axis_rule, moves_data, weight_inputs, compares_as)
//   min/max_inputs: arity, counting optional inputs (an omitted optional input is nullptr)
//   outputs: fixed output count, or -1 when variable (Split)
//   axis_rule: AxisRule::k<axis_rule>
//   moves_data: outputs hold input 0's values only rearranged (quantization carries over)
//   weight_inputs: InputMask of learned-weight inputs
//   compares_as: the op another format spells the same computation with (a TFLite MEAN over
//     H, W reads back as ReduceMean where the source had GlobalAveragePool; FULLY_CONNECTED as
//     Gemm where it had MatMul), or the op itself: layer matching pairs ops of one class
#define MCONV_IR_OPS(X)                                                                \
  X(Conv, 2, 3, 1, ChannelLayout, false, kWeightsAndBias, Conv)                        \
  X(BatchNormalization, 5, 5, 1, ChannelLayout, false, kNoWeights, BatchNormalization) \
  X(Relu, 1, 1, 1, Elementwise, false, kNoWeights, Relu)                               \
  X(Clip, 1, 3, 1, Elementwise, false, kNoWeights, Clip)                               \
  X(LeakyRelu, 1, 1, 1, Elementwise, false, kNoWeights, LeakyRelu)                     \
  X(HardSigmoid, 1, 1, 1, Elementwise, false, kNoWeights, HardSigmoid)                 \
  X(HardSwish, 1, 1, 1, Elementwise, false, kNoWeights, HardSwish)                     \
  X(Sigmoid, 1, 1, 1, Elementwise, false, kNoWeights, Sigmoid)                         \
  X(Tanh, 1, 1, 1, Elementwise, false, kNoWeights, Tanh)                               \
  X(Add, 2, 2, 1, Broadcast, false, kNoWeights, Add)                                   \
  X(Sub, 2, 2, 1, Broadcast, false, kNoWeights, Sub)                                   \
  X(Mul, 2, 2, 1, Broadcast, false, kNoWeights, Mul)                                   \
  X(Div, 2, 2, 1, Broadcast, false, kNoWeights, Div)                                   \
  X(Pow, 2, 2, 1, Broadcast, false, kNoWeights, Pow)                                   \
  X(Sqrt, 1, 1, 1, Elementwise, false, kNoWeights, Sqrt)                               \
  X(GlobalAveragePool, 1, 1, 1, ChannelLayout, false, kNoWeights, ReduceMean)          \
  X(AveragePool, 1, 1, 1, ChannelLayout, false, kNoWeights, AveragePool)               \
  X(MaxPool, 1, 1, 1, ChannelLayout, false, kNoWeights, MaxPool)                       \
  X(Flatten, 1, 1, 1, Reshape, true, kNoWeights, Flatten)                              \
  X(Reshape, 2, 2, 1, Reshape, true, kNoWeights, Reshape)                              \
  X(Gemm, 2, 3, 1, FixedAxes, false, kWeightsAndBias, Gemm)                            \
  X(MatMul, 2, 2, 1, FixedAxes, false, kNoWeights, Gemm)                               \
  X(Concat, 1, 1024, 1, ConcatAxis, false, kNoWeights, Concat)                         \
  X(Transpose, 1, 1, 1, Permute, true, kNoWeights, Transpose)                          \
  X(Split, 1, 2, -1, AxisAttr, false, kNoWeights, Split)                               \
  X(Slice, 3, 5, 1, SliceAxes, false, kNoWeights, Slice)                               \
  X(Squeeze, 1, 2, 1, Reshape, true, kNoWeights, Squeeze)                              \
  X(Unsqueeze, 2, 2, 1, Reshape, true, kNoWeights, Unsqueeze)                          \
  X(Shape, 1, 1, 1, FixedAxes, false, kNoWeights, Shape)                               \
  X(Gather, 2, 2, 1, GatherAxis, false, kNoWeights, Gather)                            \
  X(ConstantOfShape, 1, 1, 1, FixedAxes, false, kNoWeights, ConstantOfShape)           \
  X(Identity, 1, 1, 1, Elementwise, true, kNoWeights, Identity)                        \
  X(Dropout, 1, 3, 1, Elementwise, true, kNoWeights, Dropout)                          \
  X(Softmax, 1, 1, 1, AxisAttr, false, kNoWeights, Softmax)                            \
  X(Pad, 2, 4, 1, PadAxes, false, kNoWeights, Pad)                                     \
  X(ReduceMean, 1, 2, 1, ReduceAxes, false, kNoWeights, ReduceMean)                    \
  X(Cast, 1, 1, 1, Elementwise, false, kNoWeights, Cast)                               \
  X(QuantizeLinear, 2, 3, 1, QuantAxis, false, kNoWeights, QuantizeLinear)             \
  X(DequantizeLinear, 2, 3, 1, QuantAxis, false, kNoWeights, DequantizeLinear)

enum class OpType : uint16_t {
#define MCONV_IR_OP_ENUM(name, ...) k##name,
  MCONV_IR_OPS(MCONV_IR_OP_ENUM)
#undef MCONV_IR_OP_ENUM
};

#define MCONV_IR_OP_COUNT(...) +1
inline constexpr int kOpTypeCount = 0 MCONV_IR_OPS(MCONV_IR_OP_COUNT);
#undef MCONV_IR_OP_COUNT

struct OpInfo {
  OpType type;              // the op this row describes
  std::string_view name;    // ONNX-style name, also used in dumps
  int min_inputs;           // fewest inputs a valid node has
  int max_inputs;           // most inputs (optional ones included)
  int outputs;              // fixed output count, -1 = variable
  AxisRule axis_rule;       // how the op treats its operands' axes
  bool moves_data;          // outputs are input 0's values rearranged (quantization carries over)
  InputMask weight_inputs;  // inputs holding learned weights
  OpType compares_as;       // the op of its class across formats (itself when alone)
  bool layout_sensitive;    // reads channel/spatial axes implied by Node::layout
  bool keeps_axes;          // output axes are input 0's axes in the same order (sizes may change)
};

namespace detail {
constexpr bool keeps_axes(AxisRule rule) {
  return rule == AxisRule::kElementwise || rule == AxisRule::kBroadcast ||
         rule == AxisRule::kQuantAxis || rule == AxisRule::kPadAxes;
}
}  // namespace detail

// The op table, constexpr so that rules can be checked at compile time.
inline constexpr std::array<OpInfo, kOpTypeCount> kOpTable = {{
#define MCONV_IR_OP_ROW(name, min_in, max_in, outs, rule, moves, weights, same) \
  {OpType::k##name,                                                             \
   #name,                                                                       \
   min_in,                                                                      \
   max_in,                                                                      \
   outs,                                                                        \
   AxisRule::k##rule,                                                           \
   moves,                                                                       \
   weights,                                                                     \
   OpType::k##same,                                                             \
   AxisRule::k##rule == AxisRule::kChannelLayout,                               \
   detail::keeps_axes(AxisRule::k##rule)},
    MCONV_IR_OPS(MCONV_IR_OP_ROW)
#undef MCONV_IR_OP_ROW
}};

// The rows are in enum order and their rules are coherent.
constexpr bool op_table_is_consistent() {
  for (size_t i = 0; i < kOpTable.size(); ++i) {
    const OpInfo& row = kOpTable[i];
    if (static_cast<size_t>(row.type) != i) return false;
    if (row.min_inputs < 1 || row.min_inputs > row.max_inputs) return false;
    if (row.max_inputs < 32 && (row.weight_inputs >> row.max_inputs) != 0)
      return false;  // a weight slot the op does not have
    if (row.axis_rule == AxisRule::kBroadcast && row.max_inputs != 2) return false;
    if (row.moves_data && row.outputs != 1) return false;
    // A class is named by a member of itself (one hop): a.compares_as = b needs b -> b.
    const OpType cls = row.compares_as;
    if (kOpTable[static_cast<size_t>(cls)].compares_as != cls) return false;
  }
  return true;
}
static_assert(op_table_is_consistent(), "op table rows out of order or with incoherent traits");

constexpr const OpInfo& op_info(OpType op) {
  return kOpTable[static_cast<size_t>(op)];
}
constexpr std::string_view op_name(OpType op) {
  return op_info(op).name;
}
// True when input `index` of `op` holds learned weights (Conv W/B, Gemm B/C).
constexpr bool is_weight_input(OpType op, size_t index) {
  return index < 32 && (op_info(op).weight_inputs >> index & 1u) != 0;
}
// Looks an op up by its ONNX-style name; false when the IR has no such op.
bool op_from_name(std::string_view name, OpType* out);

}  // namespace mconv::ir
