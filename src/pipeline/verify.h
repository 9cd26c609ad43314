// `mconv verify MODEL --reference SOURCE --images DIR` as a library call: MODEL runs in its real
// runtime (ONNX Runtime for .onnx, native TensorFlow Lite 2.9 for .tflite, or the one asked for:
// LiteRT, the reference interpreter; all through the one Runtime interface), SOURCE in the
// reference interpreter, on the same images; the verdict is convert's (judge_runs, verdict.h, with
// the tolerance of MODEL's precision). A runtime that refuses MODEL is an error naming it: no
// silent fallback. When
// agreement is poor (or on request) both graphs also run layer by layer on the first image and the
// first layer where MODEL diverges is named (verify_layers.h).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/status.h"
#include "ir/graph.h"
#include "pipeline/convert_pipeline.h"
#include "pipeline/progress_callback.h"
#include "pipeline/verify_layers.h"
#include "report/metrics.h"

namespace mconv::pipeline {

struct VerifyOptions {
  std::string model;                   // the converted file to check
  std::string reference;               // the model it was converted from
  std::string images_dir;              // JPEG/PNG folder (sorted by name; labels.csv optional)
  std::string labels_csv;              // labels file overriding images_dir/labels.csv ("" = none)
  std::string preset;                  // preprocessing; "" = the models' metadata, else torch
                                       // for ONNX/PyTorch references, keras for TFLite
  size_t offset = 0;                   // first image used
  std::optional<size_t> count;         // images used (none: all from offset)
  int runs = 10;                       // timed single-sample runs for the latency figure
  int threads = 2;                     // image decoding threads
  std::optional<Precision> precision;  // tolerance to apply (none: from MODEL's weights)
  bool layers = false;                 // compare every layer even when the outputs agree
  std::optional<double> layer_tol;     // per-layer threshold (none: by precision)
  std::string runtime;        // ort|tflite|litert|ref; "" = ort for ONNX, tflite for TFLite
  ProgressCallback progress;  // long steps report here (none: silent)
};

// Everything verify found, for a caller to print or act on.
struct VerifyResult {
  std::string model;                                   // MODEL as given
  std::string model_format;                            // "ONNX" / "TFLite"
  int64_t model_bytes = 0;                             // file size
  std::string reference;                               // SOURCE as given
  std::string runtime;                                 // what ran MODEL
  std::string inputs, outputs;                         // MODEL's signature
  std::string data;                                    // what the images were
  Precision precision = Precision::kFp32;              // tolerance used
  bool precision_inferred = true;                      // from the file, not --precision
  report::OutputComparison comparison;                 // MODEL vs SOURCE
  std::optional<report::Accuracy> accuracy;            // MODEL against labels
  std::optional<report::Accuracy> reference_accuracy;  // SOURCE against labels
  int class_offset = 0;                                // leading classes labels do not count
  double latency_p50_ms = 0;                           // MODEL, one sample
  bool passed = false;                                 // verdict
  std::vector<std::string> misses;                     // why not
  std::vector<std::string> notes;                      // what was adapted to compare
  bool layers_run = false;                             // the per-layer check ran
  std::string layers_error;                            // why it could not
  LayerThresholds thresholds;                          // its thresholds
  LayerComparison layers;                              // its result
};

// Precision of a model file from its graph: integer weights, quantized activations or Q/DQ nodes
// -> int8; f16 values, or f32 weights that are all exactly f16 values -> fp16; else fp32.
Precision infer_precision(const ir::Graph& graph);
// Per-layer thresholds matching a precision's expected noise.
LayerThresholds layer_thresholds(Precision precision);

// The runtimes verify can run MODEL in ("ort", "tflite", "litert", "ref"); an unknown name is an
// error listing them.
Status check_verify_runtime(const std::string& name);

// Runs the check. Errors (one line naming the file at fault) mean nothing could be compared; a
// model outside its tolerance is a result with passed = false.
Expected<VerifyResult> verify_model(const VerifyOptions& options);

}  // namespace mconv::pipeline
