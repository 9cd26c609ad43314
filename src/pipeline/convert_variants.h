// `mconv convert SOURCE -o DIR`: every requested variant (format x precision) of one model, each
// written as DIR/<name>_<precision>.<onnx|tflite>, then verified in its real runtime against the
// source and reported (report.md / report.json / report.svg in DIR).
//
//   reference  the source graph (FP32; hybrid weights dequantized) in the reference interpreter
//   ONNX       verified in ONNX Runtime
//   TFLite     verified in native TensorFlow Lite 2.9 (XNNPACK) on every image, and in LiteRT
//              (LiteRT.js under Node) on the first `litert_samples`; a variant either runtime
//              refuses, or that misses the tolerance in either, is FAILED and says which and why
//
// Verification data: --val images (labels.csv gives accuracy), else seeded synthetic inputs.
// A variant outside its tolerance is FAILED; the others are still written and reported.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/status.h"
#include "core/tensor.h"
#include "ir/graph.h"
#include "pipeline/convert_pipeline.h"
#include "pipeline/progress_callback.h"
#include "report/metrics.h"
#include "report/report.h"

namespace mconv::pipeline {

// Per precision: the least a variant must agree with the reference to PASS.
struct Tolerance {
  double min_top1_agreement = 0;  // share of samples with the reference's top-1 class
  double min_cosine = 0;          // mean cosine similarity of the outputs
};
Tolerance default_tolerance(Precision precision);
// Without verification images (seeded random inputs): int8 is judged on cosine >= 0.90 alone.
Tolerance synthetic_tolerance(Precision precision);
// The metrics rule inside the one verdict of convert and verify (judge_runs, verdict.h): what
// `comparison` misses of `tolerance` ("top-1 agreement 97.0% < 98.0%", "cosine ... < ...").
std::vector<std::string> tolerance_misses(const report::OutputComparison& comparison,
                                          const Tolerance& tolerance);
// "top-1 agreement >= 85.0%, cosine >= 0.9500", as help and reports print it.
std::string tolerance_text(const Tolerance& t);
// The first n rows of a batch (all of it when it has n or fewer).
Tensor head_rows(const Tensor& t, int64_t n);

struct VariantsOptions {
  std::string out_dir;                 // where files and the report go (created if missing)
  std::string name;                    // <name> of the files
  std::vector<ModelFormat> formats;    // kOnnx, kTflite
  std::vector<Precision> precisions;   // kFp32, kFp16, kInt8
  std::string val_dir;                 // verification images ("" = synthetic inputs)
  size_t val_offset = 0;               // first verification image
  size_t val_count = 0;                // verification images (0 = all from val_offset)
  int synthetic_samples = 16;          // synthetic verification inputs without val_dir
  int threads = 2;                     // decode / calibration threads
  int litert_samples = 32;             // TFLite: images also checked in LiteRT (0 = none)
  std::string source_label;            // the source as the report names it
  std::vector<std::string> synthetic;  // what was synthetic (report lines), filled by caller
  std::vector<std::pair<std::string, std::string>> settings;  // settings to report besides the
                                                              // run's own (formats, preset, ...)
  ConvertOptions convert;     // per-variant options (target/precision set per variant)
  ProgressCallback progress;  // long steps report here (none: silent)
};

// Runs everything; returns the report (also written to out_dir). Per-variant failures are
// FAILED rows, not errors; an error means nothing useful could be done (e.g. no reference).
Expected<report::ConversionReport> convert_variants(const ir::Model& source,
                                                    const VariantsOptions& options);

}  // namespace mconv::pipeline
