// FP32 graph + calibration -> QDQ graph in the form ONNX Runtime's QDQ transformers fuse into
// integer kernels, and with the parameter constraints a full-integer TFLite lowering needs.
//
// What the result looks like:
//  - Graph inputs and outputs stay f32 and keep their names: QuantizeLinear after each input,
//    DequantizeLinear before each output.
//  - Every float activation read or written by a quantizable op (qdq_rules.h) travels as
//    x -> QuantizeLinear -> int8 -> DequantizeLinear -> consumers. The producer writes "q<k>_in",
//    the int8 value is "q<k>" (it carries Value::quant), and the DequantizeLinear writes the
//    original name "<x>", so every original value name still names the same (now fake-quantized)
//    tensor; graph inputs are the exception: their readers read "q<k>_dq". Everything the rewrite
//    adds has a short id ("q<k>", weights "w<k>", biases "b<k>", constant operands "c<k>", with
//    "_s"/"_zp" scale and zero point, "_Q"/"_DQ" nodes): original names can be hundreds of
//    characters, and repeating each a dozen times cost a third of an int8 file.
//  - Activations: int8 asymmetric per tensor (quant_params.h), range from the calibration
//    histogram by RangeOptions (graph inputs always min/max), intersected with what the producer
//    can output (Relu >= 0, Clip bounds, HardSwish >= -0.375).
//  - Conv/Gemm/MatMul weights: int8 symmetric per output channel (Conv axis 0 of OIHW, depthwise
//    too; Gemm axis 0 with transB=1, else 1; 2-D MatMul weights axis 1) + DequantizeLinear with
//    "axis"; biases: int32 with scale input_scale * weight_scale[c], zero point 0, per channel,
//    always 1-D [channels] (a Gemm bias is reshaped/broadcast to [N]). Gemm alpha/beta are folded
//    into the constants first.
//  - Relu / Clip right after Conv/Gemm/MatMul/Add/Sub/Mul (sole reader) are fused: no Q/DQ
//    between, the Q after the activation has the post-activation range (ORT then drops the
//    activation, TFLite fuses it into the op).
//  - Constant operands of Add/Sub/Mul: int8 per tensor over their own min/max (scalars exact).
//  - Tied params (TFLite spec: Concat, MaxPool, AveragePool, Reshape, Flatten, Transpose, Pad,
//    Squeeze, Unsqueeze, Slice, Split, Gather, Identity, Dropout): inputs and outputs share one
//    param set over the union of their ranges. Fixed outputs: Sigmoid and Softmax scale 1/256,
//    zero point -128; Tanh 1/128, 0; HardSigmoid [0, 1] (QuantizeOptions::hard_sigmoid_scale).
//    A tied group containing a fixed output takes the fixed params.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "core/status.h"
#include "ir/graph.h"
#include "quant/calibration.h"
#include "quant/range_estimation.h"

namespace mconv::quant {

struct QuantizeOptions {
  RangeOptions activation_range;    // range estimation for activations (not graph inputs)
  bool per_channel_weights = true;  // per-output-channel weight scales (false: one per tensor)
  // Gemm weights per channel too. TFLite 2.9 has no per-channel FULLY_CONNECTED (it silently
  // returns zeros), so the TFLite path turns this off; ONNX Runtime takes per-channel Gemm.
  bool per_channel_gemm_weights = true;
  // Activation (and constant operand) codes: kI8 (TFLite spec, default) or kU8, the same reals
  // with zero points + 128. ONNX Runtime on x86 converts int8 Q/DQ pairs to uint8 where it can
  // (QDQS8ToU8Transformer) but not for values with several readers, and the mixed types then
  // block its QLinearConv/QLinearAdd fusions; uint8 activations avoid that. Weights stay int8.
  DType activation_type = DType::kI8;
  // HardSigmoid output scale (zero point -128). 1/256 is the LOGISTIC convention (1.0 saturates
  // to 255/256); 1/255 represents both 0 and 1 exactly.
  float hard_sigmoid_scale = 1.0f / 256.0f;
  // Bias correction: remove the output mean shift that weight rounding causes, using the input
  // channel means of each Conv/Gemm from calibration (a layer without a bias gets one).
  bool bias_correction = true;
  std::vector<std::string> float_nodes;  // names of nodes to leave in float (diagnostics only:
                                         // the full-integer TFLite target needs none)
  // Activations kept in float by value name (mixed precision, mixed_precision.h): no Q/DQ pair
  // on them, so their producer and readers compute in float on dequantized inputs (weights stay
  // int8 behind a DequantizeLinear; a layer reading a float activation keeps a float bias). The
  // params of every other activation are planned as if these were quantized.
  std::vector<std::string> float_values;
  // Real ranges forced on activations by value name (before tying and nudging), replacing the
  // estimated range; fixed-output params still win.
  std::map<std::string, FloatRange> range_overrides;
};

// Makes an FP32 graph ready for calibration and quantization, in place: folds BatchNormalization
// into convolutions, removes Identity/Dropout, folds Gemm alpha/beta into its constants, removes
// dead code, sorts. Calibrate the graph AFTER this (value names must match).
Status prepare_for_quantization(ir::Graph& graph);

// Builds the QDQ graph. `fp32` must be the graph that was calibrated (names are matched); every
// activation to quantize needs a histogram in `calibration` unless its params are fixed.
Expected<ir::Graph> quantize_to_qdq(const ir::Graph& fp32, const CalibrationResult& calibration,
                                    const QuantizeOptions& options = {});

}  // namespace mconv::quant
