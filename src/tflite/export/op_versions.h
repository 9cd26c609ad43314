// The lowest TFLite op version that supports a given use of a builtin, following TFLite's
// versioning rules (tensorflow/lite/tools/versioning/op_version.cc) for the ops and tensor types
// mconv writes. Runtimes reject a model whose op version they do not know, so writing the lowest
// sufficient version keeps files loadable by older runtimes.
#pragma once

#include "core/dtype.h"
#include "tflite/schema/mconv_tflite_generated.h"

namespace mconv::tflite {

// What the version rules look at.
struct OpUse {
  DType input = DType::kF32;    // type of input 0 (SPLIT: the data input)
  DType weights = DType::kF32;  // type of input 1 (filter/weights/second operand)
  DType output = DType::kF32;   // type of output 0
  int max_input_rank = 0;       // highest rank among the inputs
  bool broadcast = false;       // the two operands' shapes differ
  bool grouped_conv = false;    // CONV_2D whose filter has fewer input channels than the input
  bool dilated = false;         // DEPTHWISE_CONV_2D with a dilation factor != 1
  bool keep_num_dims = false;   // FULLY_CONNECTED keeping the input rank
  bool no_bias = false;         // FULLY_CONNECTED with 2 inputs
  bool ellipsis_or_new_axis = false;  // STRIDED_SLICE masks of version 6
  bool per_channel = false;           // per-channel quantized weights / QUANTIZE / DEQUANTIZE
  bool mul_rescale_ge_1 = false;      // quantized MUL with in1_scale * in2_scale / out_scale >= 1
};

int op_version(::tflite::BuiltinOperator op, const OpUse& use);

}  // namespace mconv::tflite
