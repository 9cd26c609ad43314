// What `mconv convert` does between reading the source and writing the target: the FP32
// conversion pipeline for each direction, run on the imported IR, ending in the target's bytes.
//
//   ONNX   -> TFLite: fold_batchnorm, rewrite_for_nhwc (inputs become NHWC unless
//                     keep_nchw_input), verify, export_tflite
//   TFLite -> ONNX:   rewrite_for_nchw (the source's NHWC input signature is kept, one Transpose
//                     after it, unless nchw_input), verify, export_onnx (checked by the official
//                     ONNX checker)
//   same format:      the layout passes find nothing to do; the model is re-exported
//
// Precisions, after the layout passes:
//   fp32  as above
//   fp16  ONNX: f16 weights and activations, f16 I/O unless keep_io_types; TFLite: f16 weights +
//         DEQUANTIZE, f32 math and I/O (passes/rewrite_for_fp16.h)
//   int8  post-training quantization calibrated on images (quant/ptq.h). ONNX: QDQ with uint8
//         activations and int8 per-channel weights (ONNX Runtime fuses every group into integer
//         kernels); TFLite: full integer (quant/lower_to_integer.h), f32 I/O with QUANTIZE /
//         DEQUANTIZE unless integer_io.
//
// Dynamic-range ("hybrid") TFLite weights were dequantized by the importer; the conversion drops
// their leftover quantization parameters so every output tensor is plain FP32.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "core/status.h"
#include "ir/graph.h"
#include "passes/delegate_forms.h"
#include "passes/pass.h"
#include "pipeline/metadata.h"
#include "pipeline/model_files.h"
#include "quant/lower_to_integer.h"
#include "quant/ptq.h"
#include "report/report.h"

namespace mconv::pipeline {

enum class Precision : uint8_t { kFp32, kFp16, kInt8 };
std::string_view precision_name(Precision precision);  // "fp32", "fp16", "int8"
Expected<Precision> precision_from_name(std::string_view name);

// Where int8 calibration images come from and how they become model inputs.
struct CalibrationImages {
  std::string dir;     // image folder (labels.csv optional)
  size_t offset = 0;   // first image used (sorted by file name)
  size_t count = 200;  // images used (fewer when the folder has fewer)
  std::string preset;  // preprocessing preset name (data/preprocess.h)
  int threads = 2;     // decode and calibration threads
  int synthetic = 0;   // without dir: calibrate on this many seeded random inputs
};

// What the int8 conversions of one source share when several are made (`mconv convert -o DIR`:
// ONNX and TFLite): the calibration inputs, made once (decoded or generated in the first asker's
// layout, transposed for another, never decoded again) and the calibration results
// (quant::CalibrationCache: histograms and channel statistics do not depend on layout).
// Thread-safe. Only for conversions of ONE source model with ONE CalibrationImages setting.
struct CalibrationShare {
  std::mutex mutex;                            // guards batches
  std::map<std::string, Tensor> batches;       // calibration inputs by "HxW", in their layout
  std::map<std::string, std::string> layouts;  // layout of each batch ("NCHW" / "NHWC")
  quant::CalibrationCache results;             // calibration results
};

// Seeded standard-normal inputs [n, ...] for `input` (dynamic dims as 1, batch dim n): the same
// numbers on every platform.
Tensor synthetic_inputs(const ir::Value& input, int n, uint64_t seed);

struct ConvertOptions {
  ModelFormat target = ModelFormat::kUnknown;  // format to write (kOnnx or kTflite)
  bool keep_nchw_input = false;  // ONNX -> TFLite: keep NCHW inputs (one TRANSPOSE after each)
  bool nchw_input = false;       // TFLite -> ONNX: NCHW inputs instead of the source's NHWC
  int opset = 17;                // default-domain opset of ONNX outputs (13..18)
  Precision precision = Precision::kFp32;                  // numeric form of the output
  bool keep_io_types = false;                              // fp16 ONNX: keep float32 inputs/outputs
  quant::IntegerIo integer_io = quant::IntegerIo::kFloat;  // int8 TFLite: I/O types
  bool integer_only = false;  // int8: every activation int8 (no float islands, no mixed precision)
  CalibrationImages calibration;  // int8: the calibration images
  passes::DelegateTarget delegate_target = passes::DelegateTarget::kDefault;  // --target forms
  quant::PtqOptions ptq =
      quant::product_ptq_options();  // int8: range method, channel
                                     // splitting, ... (types are set per target: int8 activations
                                     // for TFLite, uint8 for ONNX); mixed precision on
  MetadataChoice metadata;  // metadata written into the file, over the source's (model.metadata)
  // int8: calibration inputs and results shared with the other int8 conversions of the same
  // source (null: calibrate on its own).
  std::shared_ptr<CalibrationShare> calibration_share;
};

// What the int8 quantizer did, for the report and the convert line.
struct Int8Facts {
  bool mixed = false;                             // float islands allowed (else integer-only)
  int float_head_convs = 0;                       // convs of the head left in float (ONNX)
  std::vector<quant::KeptInFloat> kept_in_float;  // activations left in float, and why
  std::vector<std::string> bias_corrected;        // layers sequential bias correction changed
  int64_t range_images = 0;                       // calibration images the ranges come from
  int64_t heldout_images = 0;                     // calibration images held out to judge
  quant::OutputError heldout_int8;                // all-int8 graph on the held-out images
  quant::OutputError heldout_final;               // the written graph on the held-out images
  double target_agreement = 0;                    // mixed: the --int8-agreement budget
  bool target_met = false;                        // mixed: the budget was reached
  std::vector<std::pair<int, quant::OutputError>> tried;  // mixed: float counts measured
};

struct ConvertReport {
  std::vector<passes::PassReport> passes;  // each pass that ran and its change count, in order
  int64_t dequantized_weights = 0;         // hybrid weights whose quantization was dropped
  std::vector<std::string> warnings;       // e.g. FP16 constants clamped into range
  int64_t calibration_images = 0;          // int8: images calibrated on
  int chains_split = 0;                    // int8: conv chains split into channel groups
  int gates_folded = 0;                    // int8: hard-sigmoid gates folded into convs
  double calibration_seconds = 0;          // int8: image loading + calibration + quantization
  Int8Facts int8;                          // int8: what the quantizer did (mode, float islands...)
  bool calibration_shared = false;         // int8: inputs and statistics came from another
                                           // conversion's calibration (CalibrationShare)
};

// One line on what the int8 quantizer did: mode, activations kept in float, bias-corrected
// layers, agreement on the held-out calibration images.
std::string int8_summary(const Int8Facts& facts);
// The mode name: "mixed" (float islands allowed) or "integer-only".
std::string int8_mode(const Int8Facts& facts);
// The same facts for the report.
report::Int8Report int8_report(const Int8Facts& facts);

// The format an output path asks for, from its extension (".onnx", ".tflite", any case);
// kUnknown for anything else.
ModelFormat format_for_output_path(const std::string& path);

// Rewrites `model` in place for the target and returns the target file's bytes. Errors are one
// line naming the pass or the node at fault.
Expected<std::vector<uint8_t>> convert_model(ir::Model& model, const ConvertOptions& options,
                                             ConvertReport* report);

// Operators in serialized model bytes: TFLite operators of subgraph 0, or ONNX graph nodes.
Expected<int64_t> count_operators(const std::vector<uint8_t>& bytes, ModelFormat format);

}  // namespace mconv::pipeline
