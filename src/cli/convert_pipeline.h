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
// Dynamic-range ("hybrid") TFLite weights were dequantized by the importer; the conversion drops
// their leftover quantization parameters so every output tensor is plain FP32.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "cli/model_files.h"
#include "core/status.h"
#include "ir/graph.h"
#include "passes/pass.h"

namespace mconv::cli {

struct ConvertOptions {
  ModelFormat target = ModelFormat::kUnknown;  // format to write (kOnnx or kTflite)
  bool keep_nchw_input = false;  // ONNX -> TFLite: keep NCHW inputs (one TRANSPOSE after each)
  bool nchw_input = false;       // TFLite -> ONNX: NCHW inputs instead of the source's NHWC
  int opset = 17;                // default-domain opset of ONNX outputs (13..18)
};

struct ConvertReport {
  std::vector<passes::PassReport> passes;  // each pass that ran and its change count, in order
  int64_t dequantized_weights = 0;         // hybrid weights whose quantization was dropped
};

// The format an output path asks for, from its extension (".onnx", ".tflite", any case);
// kUnknown for anything else.
ModelFormat format_for_output_path(const std::string& path);

// Rewrites `model` in place for the target and returns the target file's bytes. Errors are one
// line naming the pass or the node at fault.
Expected<std::vector<uint8_t>> convert_model(ir::Model& model, const ConvertOptions& options,
                                             ConvertReport* report);

// Operators in serialized model bytes: TFLite operators of subgraph 0, or ONNX graph nodes.
Expected<int64_t> count_operators(const std::vector<uint8_t>& bytes, ModelFormat format);

}  // namespace mconv::cli
