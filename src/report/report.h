// What a conversion run did and how every variant it wrote measured up, as one plain struct, and
// the writers that turn it into report.md (for people), report.json (for scripts) and report.svg
// (a chart of size, accuracy/agreement and latency per variant). The struct holds facts only;
// whoever runs the checks fills it in.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/status.h"
#include "core/tensor_spec.h"

namespace mconv::report {

// Signatures are core TensorSpecs (name, dtype, shape with -1 for dynamic dims, image layout), the
// one description of a model input/output every runtime adapter gives.
using ::mconv::TensorSpec;

enum class Verdict {
  kPass,    // every metric inside the variant's tolerance
  kFailed,  // outside tolerance, or the variant could not be written/run (see reason)
};
std::string_view verdict_name(Verdict verdict);  // "PASS", "FAILED"

// How one delegate / execution provider takes a written file (`mconv inspect --delegates`).
struct DelegateNodeRow {
  std::string node;    // node name in the file
  std::string op;      // its op
  std::string reason;  // why the delegate leaves it
};
struct DelegateCoverageRow {
  std::string key;                   // "xnnpack", "ort-coreml-mlprogram", ...
  std::string name;                  // "XNNPACK", "CoreML EP (MLProgram)", ...
  std::string rules_source;          // where the rules come from
  int nodes = 0;                     // nodes counted
  int taken = 0;                     // of those, taken by the delegate
  std::vector<int> partition_sizes;  // nodes per partition
  std::string verdict;               // "good", "maybe", "poor", "none", "float"
  std::string verdict_text;          // one sentence
  std::vector<DelegateNodeRow> not_taken;
};

// One written model file and its verification against the source.
// What the int8 quantizer did for one variant (report section "INT8").
struct Int8Report {
  std::string mode;  // "mixed" (float islands allowed) or "integer-only"
  struct Kept {
    std::string value;     // activation kept in float
    std::string producer;  // op writing it
    double noise = 0;      // why: its measured share of output noise energy when int8
  };
  std::vector<Kept> kept_in_float;               // most harmful first
  std::vector<std::string> bias_corrected;       // layers whose bias sequential correction changed
  int64_t heldout_images = 0;                    // calibration images held out from the ranges
  std::optional<double> heldout_agreement;       // top-1 agreement with the source on them
  std::optional<double> heldout_agreement_int8;  // the same with every activation int8
  std::optional<double> target_agreement;        // mixed: the --int8-agreement budget
  bool target_met = false;                       // mixed: the budget was reached
};

struct VariantReport {
  std::string format;                          // "onnx" or "tflite"
  std::string precision;                       // "fp32", "fp16" or "int8"
  std::string path;                            // the file as written (relative to the report's dir
                                               // when inside it)
  int64_t file_bytes = 0;                      // its size
  std::vector<TensorSpec> inputs;              // its input signature
  std::vector<TensorSpec> outputs;             // its output signature
  std::string runtime;                         // what verified it ("onnxruntime 1.30.0", "litert",
                                               // "ref (LiteRT not available: ...)")
  int64_t samples = 0;                         // verification samples run through it
  std::optional<double> top1_agreement;        // fraction of samples with the source's top-1 class
  std::optional<double> top1;                  // top-1 accuracy against labels, when labels exist
  std::optional<double> top5;                  // top-5 accuracy against labels, when labels exist
  std::optional<double> cosine;                // mean cosine similarity of outputs to the source's
  std::optional<double> max_abs_diff;          // largest |variant - source| over all outputs
  std::optional<double> latency_p50_ms;        // median single-sample latency in its runtime
  Verdict verdict = Verdict::kPass;            // tolerance check result
  std::string reason;                          // why FAILED ("cosine 0.91 < 0.99"); may note a PASS
  std::vector<DelegateCoverageRow> delegates;  // delegate coverage of the file, when analyzed
  std::string target_changes;      // what --target rewrote ("decompose_hard_swish: 19, ..."), or ""
  std::optional<Int8Report> int8;  // int8 variants: mode, float islands, bias correction
};

// The whole run.
struct ConversionReport {
  std::string model_name;                  // the <name> in <name>_<precision>.<ext>
  std::string source;                      // the source file, or "zoo:mobilenet_v3_small"
  std::string source_format;               // "onnx", "tflite", "zoo"
  std::vector<TensorSpec> source_inputs;   // the source's input signature
  std::vector<TensorSpec> source_outputs;  // the source's output signature
  std::optional<double> source_top1;       // source accuracy against labels, when labels exist
  std::optional<double> source_top5;       // same, top-5
  std::string source_runtime;              // what produced the reference outputs
  std::vector<std::pair<std::string, std::string>> settings;  // every option in effect, in order
  std::vector<std::string> synthetic;   // what was synthetic, one sentence each ("Weights:
                                        // seeded synthetic (seed 0), not trained.")
  std::string verification_data;        // what the checks ran on ("400 images from DIR")
  std::vector<VariantReport> variants;  // in the order they were written
  std::vector<std::string> notes;       // anything else worth a line (warnings)
  std::string mconv_version;            // the tool that wrote it
  std::string created_utc;              // ISO 8601 time the run finished

  bool all_passed() const;
};

// File names inside the output directory.
inline constexpr const char* kReportMarkdown = "report.md";
inline constexpr const char* kReportJson = "report.json";
inline constexpr const char* kReportChart = "report.svg";

std::string render_markdown(const ConversionReport& report);
std::string render_json(const ConversionReport& report);
std::string render_svg(const ConversionReport& report);

// Writes report.md, report.json and report.svg into `dir` (which must exist), each atomically.
Status write_report(const ConversionReport& report, const std::string& dir);

// "f32[1,3,224,224] NCHW" ("?" for dynamic dims).
std::string tensor_text(const TensorSpec& tensor);

// Per-precision tolerances for Verdict (a variant fails when any given metric is outside).
struct Tolerance {
  double min_top1_agreement = 0;  // fraction of samples agreeing with the source's top-1
  double min_cosine = 0;          // mean cosine similarity to the source outputs
};
// Defaults: fp32 agreement >= 0.99 and cosine >= 0.9999; fp16 0.98 / 0.999; int8 0.80 / 0.98.
Tolerance default_tolerance(const std::string& precision);
// Sets verdict and reason from the metrics present in `variant` (absent metrics are not judged;
// a variant that already FAILED for another reason stays FAILED).
void apply_tolerance(VariantReport& variant, const Tolerance& tolerance);

}  // namespace mconv::report
