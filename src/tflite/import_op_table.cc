// Which TFLite builtin operators the importer converts, and up to which operator version: a newer
// version may carry semantics (options, types) the converter does not know, so it is rejected
// instead of being imported wrongly. Versions follow TFLite's builtin op registrations.
#include <array>

#include "tflite/import_context.h"

namespace mconv::tflite {
namespace {

constexpr OpEntry kOps[] = {
    {fb::BuiltinOperator_ADD, 5, convert_add},
    {fb::BuiltinOperator_AVERAGE_POOL_2D, 3, convert_average_pool_2d},
    {fb::BuiltinOperator_BATCH_MATMUL, 4, convert_batch_matmul},
    {fb::BuiltinOperator_CAST, 6, convert_cast},
    {fb::BuiltinOperator_CONCATENATION, 4, convert_concatenation},
    {fb::BuiltinOperator_CONV_2D, 8, convert_conv_2d},
    {fb::BuiltinOperator_DEPTHWISE_CONV_2D, 7, convert_depthwise_conv_2d},
    {fb::BuiltinOperator_DEQUANTIZE, 6, convert_dequantize},
    {fb::BuiltinOperator_DIV, 2, convert_div},
    {fb::BuiltinOperator_EXPAND_DIMS, 1, convert_expand_dims},
    {fb::BuiltinOperator_FULLY_CONNECTED, 12, convert_fully_connected},
    {fb::BuiltinOperator_GATHER, 7, convert_gather},
    {fb::BuiltinOperator_HARD_SWISH, 1, convert_hard_swish},
    {fb::BuiltinOperator_LEAKY_RELU, 2, convert_leaky_relu},
    {fb::BuiltinOperator_LOGISTIC, 3, convert_logistic},
    {fb::BuiltinOperator_MAX_POOL_2D, 3, convert_max_pool_2d},
    {fb::BuiltinOperator_MEAN, 3, convert_mean},
    {fb::BuiltinOperator_MIRROR_PAD, 3, convert_mirror_pad},
    {fb::BuiltinOperator_MUL, 7, convert_mul},
    {fb::BuiltinOperator_PAD, 4, convert_pad},
    {fb::BuiltinOperator_PADV2, 4, convert_padv2},
    {fb::BuiltinOperator_POW, 1, convert_pow},
    {fb::BuiltinOperator_QUANTIZE, 3, convert_quantize},
    {fb::BuiltinOperator_RELU, 3, convert_relu},
    {fb::BuiltinOperator_RELU6, 3, convert_relu6},
    {fb::BuiltinOperator_RELU_0_TO_1, 1, convert_relu_0_to_1},
    {fb::BuiltinOperator_RELU_N1_TO_1, 1, convert_relu_n1_to_1},
    {fb::BuiltinOperator_RESHAPE, 1, convert_reshape},
    {fb::BuiltinOperator_SHAPE, 1, convert_shape},
    {fb::BuiltinOperator_SLICE, 6, convert_slice},
    {fb::BuiltinOperator_SOFTMAX, 3, convert_softmax},
    {fb::BuiltinOperator_SPLIT, 4, convert_split},
    {fb::BuiltinOperator_SPLIT_V, 2, convert_split_v},
    {fb::BuiltinOperator_SQRT, 1, convert_sqrt},
    {fb::BuiltinOperator_SQUEEZE, 2, convert_squeeze},
    {fb::BuiltinOperator_STRIDED_SLICE, 8, convert_strided_slice},
    {fb::BuiltinOperator_SUB, 5, convert_sub},
    {fb::BuiltinOperator_TANH, 3, convert_tanh},
    {fb::BuiltinOperator_TRANSPOSE, 6, convert_transpose},
};

}  // namespace

const OpEntry* find_op_entry(fb::BuiltinOperator code) {
  for (const OpEntry& e : kOps)
    if (e.code == code) return &e;
  return nullptr;
}

}  // namespace mconv::tflite
