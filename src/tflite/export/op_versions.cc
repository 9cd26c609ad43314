#include "tflite/export/op_versions.h"

namespace mconv::tflite {

namespace tfl = ::tflite;

int op_version(tfl::BuiltinOperator op, const OpUse& u) {
  const bool int8_in = u.input == DType::kI8;
  const bool int16_in = u.input == DType::kI16;
  switch (op) {
    case tfl::BuiltinOperator_CONV_2D:
      if (u.grouped_conv) return 6;
      if (int8_in && u.weights == DType::kI8) return 3;
      if (u.input == DType::kF32 && u.weights == DType::kI8) return 2;  // hybrid
      return 1;
    case tfl::BuiltinOperator_DEPTHWISE_CONV_2D:
      if (int8_in && u.weights == DType::kI8) return 3;
      if (u.input == DType::kF32 && u.weights == DType::kI8) return 4;  // hybrid
      return u.dilated ? 2 : 1;
    case tfl::BuiltinOperator_FULLY_CONNECTED:
      if (u.no_bias) return 6;
      if (u.keep_num_dims) return 5;
      if (int8_in && u.weights == DType::kI8) return 4;
      if (u.input == DType::kF32 && u.weights == DType::kI8) return 3;
      return 1;
    case tfl::BuiltinOperator_ADD:
      if (u.input == DType::kI64) return 4;
      return int8_in ? 2 : 1;
    case tfl::BuiltinOperator_MUL:
      if (u.input == DType::kI64) return 5;
      if (int16_in) return 4;
      if (u.mul_rescale_ge_1) return 3;
      return int8_in ? 2 : 1;
    case tfl::BuiltinOperator_QUANTIZE:
      if (u.per_channel) return 3;
      return u.output == DType::kI16 ? 2 : 1;
    case tfl::BuiltinOperator_DEQUANTIZE:
      if (u.input == DType::kI16 || u.input == DType::kF16) return 3;
      if (int8_in) return u.per_channel ? 5 : 2;
      return 1;
    case tfl::BuiltinOperator_SUB:
      if (u.input == DType::kI64) return 4;
      if (u.broadcast && u.max_input_rank > 4) return 3;
      return int8_in ? 2 : 1;
    case tfl::BuiltinOperator_DIV:
      return (u.broadcast && u.max_input_rank > 4) ? 2 : 1;
    case tfl::BuiltinOperator_MAXIMUM:
    case tfl::BuiltinOperator_MINIMUM:
      if (u.broadcast && u.max_input_rank > 4) return 3;
      return int8_in ? 2 : 1;
    case tfl::BuiltinOperator_TRANSPOSE:
      if (u.max_input_rank > 5) return 6;
      if (int16_in) return 5;
      if (u.max_input_rank > 4) return 4;
      if (u.input == DType::kBool) return 3;
      return int8_in ? 2 : 1;
    case tfl::BuiltinOperator_PAD:
    case tfl::BuiltinOperator_PADV2:
      if (u.max_input_rank > 4) return 4;
      if (int16_in) return 3;
      return int8_in ? 2 : 1;
    case tfl::BuiltinOperator_STRIDED_SLICE:
      if (u.ellipsis_or_new_axis) return 6;
      if (u.max_input_rank > 4) return 4;
      if (u.input == DType::kBool) return 3;
      return int8_in ? 2 : 1;
    case tfl::BuiltinOperator_SPLIT:
      if (int16_in) return 4;
      if (u.input == DType::kI32) return 3;
      return int8_in ? 2 : 1;
    case tfl::BuiltinOperator_GATHER:
      if (int16_in) return 4;
      if (u.input == DType::kBool) return 3;
      return int8_in ? 2 : 1;
    case tfl::BuiltinOperator_CAST:
      if (u.input == DType::kBF16 || u.output == DType::kBF16) return 7;
      if (u.input == DType::kF16 || u.output == DType::kF16) return 5;
      if (u.input == DType::kI8 || u.output == DType::kI8) return 3;
      return 1;
    case tfl::BuiltinOperator_MAX_POOL_2D:
    case tfl::BuiltinOperator_AVERAGE_POOL_2D:
    case tfl::BuiltinOperator_SOFTMAX:
    case tfl::BuiltinOperator_MEAN:
    case tfl::BuiltinOperator_MIRROR_PAD:
    case tfl::BuiltinOperator_RELU6:
      if (int16_in) return 3;
      return int8_in ? 2 : 1;
    case tfl::BuiltinOperator_CONCATENATION:
    case tfl::BuiltinOperator_LOGISTIC:
    case tfl::BuiltinOperator_TANH:
      if (int16_in) return 3;
      return int8_in ? 2 : 1;
    case tfl::BuiltinOperator_RELU:
      if (int16_in) return 3;
      return (int8_in || u.input == DType::kU8) ? 2 : 1;
    case tfl::BuiltinOperator_LEAKY_RELU:
      return int16_in ? 2 : 1;
    case tfl::BuiltinOperator_SPLIT_V:
      return int8_in ? 2 : 1;
    case tfl::BuiltinOperator_BATCH_MATMUL:
      if (int16_in) return 3;
      return int8_in ? 2 : 1;
    default:
      // RESHAPE, HARD_SWISH, SHAPE, POW, SQRT, RELU_N1_TO_1, RELU_0_TO_1, SQUEEZE...: version 1
      // covers float use.
      return 1;
  }
}

}  // namespace mconv::tflite
