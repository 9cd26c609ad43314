// The whole post-training quantization flow in one call:
//   prepare_for_quantization -> fold_gates -> calibrate (with per-channel ranges) ->
//   split_channel_groups -> calibrate the split graph -> quantize_to_qdq.
// Channel splitting changes the FP32 graph (exactly: same outputs), so the result carries the
// FP32 graph the QDQ graph was made from, for comparisons and per-layer diagnostics.
//
// Measured on Keras MobileNetV3-Small (dequantized keras_mobilenet_v3_small_int8_dynrange.tflite,
// NCHW via rewrite_for_nchw, calibrated on the first 100 shared images, top-1 on the other 400
// against the labels, QDQ ONNX in ONNX Runtime 1.30 with uint8 activations; FP32 81.75%):
//   range method (no splitting):  minmax 48.5%, percentile 99.99 73.0%, mse 62.0%, entropy 60.0%
//   percentile + splitting, max_groups 2 / 4 / 6: 77.75% / 78.25% / 79.75% (top-1 agreement
//   with FP32 89.0% / 91.0% / 93.0%)
//
// Then, on graphs built with quantize_to_qdq: sequential bias correction (bias_correction.h) and,
// by default, measured mixed precision (mixed_precision.h): the calibration inputs are split into
// range inputs (histograms, bias correction, ranking) and held-out inputs on which the top-1
// agreement with FP32 is measured; the fewest most harmful activations are kept in float until
// the target agreement is met.
#pragma once

#include "core/status.h"
#include "ir/graph.h"
#include "quant/calibration.h"
#include "quant/channel_split.h"
#include "quant/cross_layer_equalization.h"
#include "quant/hard_swish_form.h"
#include "quant/mixed_precision.h"
#include "quant/quantize_qdq.h"

namespace mconv::quant {

// Measured mixed precision (mixed_precision.h) and the held-out images it is judged on.
struct MixedPrecisionOptions {
  // false: full integer (every activation int8). Off in the library (a caller lowering to an
  // integer graph must allow float islands) and in `mconv convert` unless `--int8-agreement` is
  // given (product_ptq_options).
  bool enabled = false;
  // Top-1 agreement with FP32 on the held-out images that the choice aims for.
  double target_agreement = 0.98;
  int max_float_values = 32;    // at most this many activations kept in float
  int sensitivity_images = 16;  // range images the ranking measures on
};

struct PtqOptions {
  CalibrationOptions calibration;  // threads and histogram size (channel_ranges is managed here)
  // Channel splitting is off in the library: its groups multiply the convolutions and need a
  // Concat and a Gather (no XNNPACK int8 GATHER), which made the int8 file slower than FP32 in
  // every runtime. It buys back most of the accuracy on Keras MobileNetV3-Small (see above and
  // docs/int8_accuracy.md); `mconv convert` uses 4 groups (product_ptq_options).
  ChannelSplitOptions split = {.max_groups = 1,
                               .cost = ChannelSplitOptions::Cost::kGainWeighted};  // 1 = off
  // Fold the channel order each split chain restores with a Gather into the neighbouring weights
  // (fold_channel_order.h): no Gather left where the readers allow it. Off in the library, on in
  // `mconv convert` with images (product_ptq_options) for ONNX (TFLite: see to_int8). Measured on
  // Keras MobileNetV3-Small (4 groups, calibration 0..99, 400 images): all 10 Gathers of the TFLite
  // file removed, native TFLite 2.9 p50 4.3-4.4 -> 3.3-3.5 ms, ORT 2.6-3.3 -> 2.5-2.9 ms,
  // LiteRT 9.1 ms both; accuracy equal within one or two images (ONNX 94.5% / top-1 80.8% / cosine
  // 0.9897 against 95.0% / 80.5% / 0.9894, TFLite 91.8% / 79.8% / 0.9816 against 92.2% / 80.2% /
  // 0.9827: the FP32 function is the same, only float summation order moves the ranges).
  bool fold_channel_order = false;
  // Cross-layer equalization of conv outputs read by convs (cross_layer_equalization.h), on the
  // per-channel ranges of the range inputs.
  EqualizationOptions equalization;
  // Hard-swish as Add/Clip/Mul with the 1/6 folded into the readers (hard_swish_form.h).
  HardSwishForm hard_swish = HardSwishForm::kAddMul;
  QuantizeOptions quantize;  // ranges, weights, bias correction, activation type
  bool fold_gates = true;    // fold hard-sigmoid gates into their convs first (fold_gates.h)
  // Leave a Softmax that writes a graph output in float (after the last DequantizeLinear): int8
  // probabilities in steps of 1/256 tie between close classes and change the top-1.
  bool float_softmax_output = true;
  // Sequential bias correction through the quantized graph (bias_correction.h) on up to this
  // many range images; 0 = off.
  int bias_correction_images = 32;
  // ... and only with at least this many range images, the count from which calibration holds
  // images out to judge the result. Measured on Keras MobileNetV3-Small, TFLite, 16 calibration
  // images: on the 400 images 100..499 correction still helped (top-1 agreement 94.0% against
  // 91.5% without; main's quantizer 91.2%), but on the 24 images 16..39 it was 83.3% against
  // 87.5% (one image), under the 85% verdict of `mconv convert`. With fewer than 20 images no
  // image is held out, so nothing shows whether the correction helps: it is left out.
  int min_bias_correction_images = 20;
  // Share of the calibration inputs held out from range estimation to judge the result (top-1
  // agreement with FP32; mixed precision's budget), when there are at least 20.
  double holdout_share = 0;
  MixedPrecisionOptions mixed;
  // Leave the head in float: the nodes computed from the inputs alone through the first
  // `float_head_convs` convolutions (head_node_names in qdq_plan.h; 0 = none). For ONNX Runtime:
  // its uint8 convolution over 3 input channels ran 2.6x slower than its FP32 one (Keras
  // MobileNetV3-Small stem: 533 us vs 205 us), a float head spares quantizing the whole input
  // image, and the stem's output is the tensor int8 hurts most (docs/int8_accuracy.md).
  // Full-integer targets cannot have it.
  int float_head_convs = 0;
};

// One activation kept in float by mixed precision, and why.
struct KeptInFloat {
  std::string value;         // activation name
  std::string producer;      // op writing it
  double noise_removed = 0;  // measured share of output noise energy it removed (ranking)
};

struct PtqResult {
  ir::Graph fp32;  // prepared (and channel-split) FP32 graph the QDQ graph comes from
  ir::Graph qdq;   // the quantized graph (quantize_qdq.h)
  CalibrationResult calibration;            // calibration of `fp32`
  int chains_split = 0;                     // conv/depthwise chains split into channel groups
  int gathers_folded = 0;                   // their channel-order Gathers folded into weights
  int gates_folded = 0;                     // fold_gates rewrites
  std::vector<std::string> equalized;       // convs whose output channels were equalized
  HardSwishRewrite hard_swish;              // decompose_hard_swish's effect (kAddMul)
  int64_t range_inputs = 0;                 // calibration inputs the ranges come from
  int64_t heldout_inputs = 0;               // calibration inputs held out to judge (0: none)
  std::vector<std::string> bias_corrected;  // layers whose bias sequential correction changed
  bool mixed = false;                       // mixed precision ran (else full integer)
  std::vector<KeptInFloat> kept_in_float;   // activations left in float, most harmful first
  OutputError heldout_int8;                 // all-int8 graph on the held-out inputs (when held out)
  OutputError heldout_final;                // the result on the held-out inputs (when held out)
  bool target_met = false;                  // mixed: heldout_final reached the agreement target
  // Every number of float activations mixed precision measured, with its held-out error.
  std::vector<std::pair<int, OutputError>> mixed_tried;
};

// What `mconv convert` uses: half the calibration inputs held out (their agreement is reported),
// 4 channel groups, mixed precision off (on with `--int8-agreement`).
PtqOptions product_ptq_options();

// What `mconv convert` uses when it calibrates on seeded random inputs (no --calib): the previous
// quantizer's form, 6 channel groups, HardSwish whole, no sequential bias correction, nothing held
// out. The new steps are chosen on photos; on noise each one cost output fidelity. Measured on
// Keras MobileNetV3-Small (32 seeded inputs, judged by cosine on 16 others, ONNX / TFLite):
// product options 0.741 / 0.728; without sequential correction 0.815 / 0.879, and nothing held
// out 0.891 / 0.886; + 6 groups 0.913 / 0.910 or + HardSwish whole 0.913 / 0.922; both (these
// options, = main's quantizer) 0.964 / 0.966. `mconv convert` accepts 0.90 on random inputs.
PtqOptions synthetic_calibration_ptq_options();

Expected<PtqResult> quantize_post_training(const ir::Graph& fp32, const CalibrationSource& source,
                                           const PtqOptions& options = {});

}  // namespace mconv::quant
