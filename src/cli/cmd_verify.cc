// `mconv verify MODEL --reference SOURCE --images DIR`: one row of the convert report for one
// file. MODEL runs in its real runtime (ONNX Runtime; LiteRT, or the reference interpreter when
// LiteRT is missing), SOURCE in the reference interpreter, on the same images; the verdict uses
// the tolerance of MODEL's precision. When agreement is poor (or with --layers) both files also
// run layer by layer in the reference interpreter on the first image, and the first layer where
// MODEL diverges from SOURCE is named (pipeline/verify_layers.h).
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <optional>

#include "cli/args.h"
#include "cli/cli_output.h"
#include "cli/commands.h"
#include "pipeline/convert_variants.h"
#include "cli/json_writer.h"
#include "pipeline/model_files.h"
#include "cli/progress.h"
#include "pipeline/variant_runs.h"
#include "pipeline/verify_layers.h"
#include "core/half.h"
#include "data/dataset.h"
#include "data/preprocess.h"
#include "report/metrics.h"
#include "runtime/interpreter.h"

namespace mconv::cli {
namespace {

CommandSpec verify_spec() {
  return {
      .name = "verify",
      .summary =
          "Check a converted model against its source on images; name the first "
          "divergent layer when they disagree.",
      .positionals = {{"MODEL", "the .onnx or .tflite file to check"}},
      .options =
          {
              {.name = "reference",
               .short_name = 'r',
               .value_name = "SOURCE",
               .help = "the model MODEL was converted from (.onnx or .tflite)"},
              {.name = "images",
               .value_name = "DIR",
               .help = "image folder (JPEG/PNG, sorted by name; labels.csv gives accuracy)"},
              {.name = "labels",
               .value_name = "CSV",
               .help = "labels file (default: DIR/labels.csv when present)"},
              {.name = "preset",
               .value_name = "P",
               .help = "preprocessing torch|keras|unit|pm1|u8 (default: torch for .onnx "
                       "references, keras for .tflite)"},
              {.name = "count", .value_name = "N", .help = "images used (default: all)"},
              {.name = "offset", .value_name = "K", .help = "skip the first K images"},
              {.name = "precision",
               .value_name = "P",
               .help = "tolerance of fp32|fp16|int8 (default: from MODEL's weights)"},
              {.name = "layers",
               .help = "compare every layer even when the outputs agree, and list them"},
              {.name = "layer-tol",
               .value_name = "X",
               .help = "a layer diverges above this max-diff/max-ref (1 - cosine above X/10); "
                       "default by precision"},
              {.name = "runs",
               .value_name = "N",
               .help = "timed runs for the latency figure (default 10)"},
              {.name = "threads", .value_name = "N", .help = "image decoding threads (default 2)"},
              {.name = "json", .help = "print the results as JSON on stdout"},
          },
      .notes =
          "Exit code 0 when MODEL is within the tolerance of its precision (top-1 agreement and\n"
          "mean cosine against SOURCE), 1 when not (or on errors), 2 for usage errors.\n"
          "The per-layer check matches values by name (TFLite fused names and mconv's pass\n"
          "suffixes normalized), then by op sequence and shape; NCHW/NHWC tensors are transposed\n"
          "and integer tensors dequantized before comparing.",
  };
}

std::string fixed(double v, int digits) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", digits, v);
  return buf;
}

std::string sci(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.3g", v);
  return buf;
}

// Whether every element of an f32 tensor is exactly an f16 value.
bool f16_exact(const Tensor& t) {
  const float* x = t.data<float>();
  for (int64_t i = 0; i < t.element_count(); ++i)
    if (half_to_float(float_to_half(x[i])) != x[i]) return false;
  return true;
}

// Precision of a model file from its graph: integer weights, quantized activations or Q/DQ nodes
// -> int8; f16 values -> fp16; f32 weights that are all exactly f16 values (TFLite f16 weights,
// which the importer widens to f32) -> fp16; else fp32. Hybrid TFLite weights are f32 with
// QuantParams after import (int8).
Precision infer_precision(const ir::Graph& graph) {
  bool f16 = false;
  for (const auto& v : graph.values()) {
    if ((v->dtype == DType::kI8 || v->dtype == DType::kU8) && v->quant) return Precision::kInt8;
    if (v->is_constant() && v->dtype == DType::kF32 && v->quant) return Precision::kInt8;
    if (v->dtype == DType::kF16) f16 = true;
  }
  int64_t weights = 0, exact = 0;
  for (const auto& node : graph.nodes()) {
    if (node->op == ir::OpType::kQuantizeLinear || node->op == ir::OpType::kDequantizeLinear)
      return Precision::kInt8;
    const bool weighted = node->op == ir::OpType::kConv || node->op == ir::OpType::kGemm ||
                          node->op == ir::OpType::kMatMul;
    if (!weighted || node->inputs.size() < 2 || !node->inputs[1]) continue;
    const ir::Value* w = node->inputs[1];
    if (!w->is_constant() || w->dtype != DType::kF32 || w->constant->element_count() < 16) continue;
    ++weights;
    exact += f16_exact(*w->constant);
  }
  if (f16 || (weights > 0 && exact == weights)) return Precision::kFp16;
  return Precision::kFp32;
}

// Per-layer thresholds matching a precision's expected noise.
LayerThresholds layer_thresholds(Precision precision) {
  switch (precision) {
    case Precision::kFp32:
      return {.max_relative_error = 1e-3, .max_cosine_distance = 1e-4};
    case Precision::kFp16:
      return {.max_relative_error = 2e-2, .max_cosine_distance = 2e-3};
    case Precision::kInt8:
      return {.max_relative_error = 1.0, .max_cosine_distance = 0.02};
  }
  return {};
}

// A graph in the reference interpreter on every sample (output 0, real values).
Expected<Tensor> run_in_interpreter(const ir::Graph& original, const Tensor& batch,
                                    const std::string& label) {
  ir::Graph widened;
  const ir::Graph& graph =
      has_f16_values(original) ? (widened = widened_to_f32(original)) : original;
  MCONV_ASSIGN_OR_RETURN(auto interpreter, runtime::Interpreter::Create(graph));
  Progress progress(label, batch.dim(0));
  std::vector<Tensor> outs;
  for (int64_t i = 0; i < batch.dim(0); ++i) {
    MCONV_ASSIGN_OR_RETURN(std::vector<Tensor> o,
                           interpreter->run({input_for(item(batch, i), *graph.inputs[0])}));
    outs.push_back(real_values(o.at(0), graph.outputs[0]->quant));
    progress.advance();
  }
  progress.finish();
  return stack_f32(outs);
}

// [N, C + 1] -> [N, C] without column 0 (the "background" class of 1001-class models).
Tensor without_first_class(const Tensor& scores) {
  const int64_t n = scores.dim(0), c = scores.dim(1);
  const std::vector<float> v = scores.to_f32();
  std::vector<float> out;
  out.reserve(static_cast<size_t>(n * (c - 1)));
  for (int64_t i = 0; i < n; ++i)
    out.insert(out.end(), v.begin() + i * c + 1, v.begin() + (i + 1) * c);
  return Tensor::FromVector(DType::kF32, {n, c - 1}, out);
}

std::string signature(const std::vector<ir::Value*>& values) {
  std::string text;
  for (const report::TensorInfo& t : tensor_infos(values)) {
    std::string dims;
    for (int64_t d : t.shape) dims += (dims.empty() ? "" : ",") + (d < 0 ? "?" : std::to_string(d));
    text += (text.empty() ? "" : "; ") + t.name + " " + t.dtype + "[" + dims + "]" +
            (t.layout.empty() ? "" : " " + t.layout);
  }
  return text;
}

// Everything verify found, for the text and JSON printers.
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

// TFLite fused names ("a;b;c;", often hundreds of characters) shown by their first segment, which
// names the op's own output; --json keeps them whole.
std::string shown(const std::string& name) {
  const size_t semicolon = name.find(';');
  if (semicolon == std::string::npos) return name;
  return name.substr(0, semicolon) + ";...";
}

void print_row(const LayerRow& r, const char* label) {
  std::printf("%s%s (%s %s", label, shown(r.reference_value).c_str(), r.reference_op.c_str(),
              shown(r.reference_node).c_str());
  if (r.candidate_value != r.reference_value || r.candidate_node != r.reference_node)
    std::printf("; candidate %s %s -> %s", r.candidate_op.c_str(), shown(r.candidate_node).c_str(),
                shown(r.candidate_value).c_str());
  std::printf("): max diff %s (rel %s), cosine %s\n", sci(r.max_abs_diff).c_str(),
              sci(r.relative_error).c_str(), fixed(r.cosine, 6).c_str());
}

void print_text(const VerifyResult& v, bool list_layers) {
  std::printf("model        %s (%s, %s, %s)\n", v.model.c_str(), v.model_format.c_str(),
              std::string(precision_name(v.precision)).c_str(), human_bytes(v.model_bytes).c_str());
  std::printf("reference    %s (mconv reference interpreter)\n", v.reference.c_str());
  std::printf("runtime      %s\n", v.runtime.c_str());
  std::printf("inputs       %s\noutputs      %s\n", v.inputs.c_str(), v.outputs.c_str());
  std::printf("data         %s\n", v.data.c_str());
  const auto& c = v.comparison;
  std::printf("agreement    top-1 %s%% (%lld samples)\n", fixed(c.top1_agreement * 100, 1).c_str(),
              static_cast<long long>(c.samples));
  std::printf("cosine       mean %s, min %s\n", fixed(c.cosine_mean, 6).c_str(),
              fixed(c.cosine_min, 6).c_str());
  std::printf("max abs diff %s\n", sci(c.max_abs_diff).c_str());
  if (v.accuracy)
    std::printf("accuracy     top-1 %s%%, top-5 %s%% (reference %s%% / %s%%%s)\n",
                fixed(v.accuracy->top1 * 100, 1).c_str(), fixed(v.accuracy->top5 * 100, 1).c_str(),
                fixed(v.reference_accuracy ? v.reference_accuracy->top1 * 100 : 0, 1).c_str(),
                fixed(v.reference_accuracy ? v.reference_accuracy->top5 * 100 : 0, 1).c_str(),
                v.class_offset ? ", class 0 = background skipped" : "");
  std::printf("latency p50  %s ms\n", fixed(v.latency_p50_ms, 2).c_str());
  for (const std::string& n : v.notes) std::printf("note         %s\n", n.c_str());
  const Tolerance tol = default_tolerance(v.precision);
  std::printf("verdict      %s (%s tolerance%s: top-1 agreement >= %s%%, cosine >= %s)\n",
              v.passed ? "PASS" : "FAILED", std::string(precision_name(v.precision)).c_str(),
              v.precision_inferred ? " from the file" : "",
              fixed(tol.min_top1_agreement * 100, 1).c_str(), fixed(tol.min_cosine, 4).c_str());
  for (const std::string& m : v.misses) std::printf("             %s\n", m.c_str());
  if (!v.layers_run) return;
  std::printf("\nper-layer check on the first image (diverged: rel diff > %s or 1 - cosine > %s)\n",
              sci(v.thresholds.max_relative_error).c_str(),
              sci(v.thresholds.max_cosine_distance).c_str());
  if (!v.layers_error.empty()) {
    std::printf("  not available: %s\n", v.layers_error.c_str());
    return;
  }
  const LayerComparison& l = v.layers;
  long long by_name = 0, transposed = 0, dequantized = 0;
  for (const LayerRow& r : l.rows) {
    by_name += r.match != LayerMatch::kSequence;
    transposed += r.transposed;
    dequantized += r.dequantized;
  }
  std::printf(
      "  matched %zu of %lld reference values (%lld by name, %lld by op sequence; %lld "
      "transposed, %lld dequantized)\n",
      l.rows.size(), static_cast<long long>(l.reference_values), by_name,
      static_cast<long long>(l.rows.size()) - by_name, transposed, dequantized);
  if (list_layers) {
    std::printf("  %-4s %-17s %-10s %-10s %-10s %s\n", "#", "op", "rel diff", "cosine", "match",
                "value (candidate)");
    for (const LayerRow& r : l.rows) {
      std::string name = shown(r.reference_value);
      if (r.candidate_value != r.reference_value) name += " (" + shown(r.candidate_value) + ")";
      std::printf("  %-4lld %-17s %-10s %-10s %-10s %s%s\n", static_cast<long long>(r.position),
                  r.reference_op.c_str(), sci(r.relative_error).c_str(), fixed(r.cosine, 6).c_str(),
                  std::string(layer_match_name(r.match)).c_str(), name.c_str(),
                  r.diverged ? "  <- diverged" : "");
    }
  }
  if (!l.first_diverged) {
    std::printf("  no matched layer diverges\n");
    return;
  }
  print_row(l.rows[*l.first_diverged], "  first divergent layer: ");
  if (l.last_good)
    print_row(l.rows[*l.last_good], "  previous good layer:   ");
  else
    std::printf("  previous good layer:   none (the first matched layer already diverges)\n");
  if (!l.suspects.empty()) {
    std::printf("  candidate nodes in between:");
    for (const std::string& s : l.suspects) std::printf(" [%s]", shown(s).c_str());
    std::printf("\n");
  }
}

void row_json(JsonWriter& j, const LayerRow& r) {
  j.begin_object();
  j.field("position", r.position);
  j.field("reference_value", r.reference_value);
  j.field("reference_node", r.reference_node);
  j.field("reference_op", r.reference_op);
  j.field("candidate_value", r.candidate_value);
  j.field("candidate_node", r.candidate_node);
  j.field("candidate_op", r.candidate_op);
  j.field("match", layer_match_name(r.match));
  j.field("shape", r.shape);
  j.field("transposed", r.transposed);
  j.field("dequantized", r.dequantized);
  j.field("max_abs_diff", r.max_abs_diff);
  j.field("relative_error", r.relative_error);
  j.field("cosine", r.cosine);
  j.field("diverged", r.diverged);
  j.end_object();
}

void print_json(const VerifyResult& v, bool list_layers) {
  JsonWriter j;
  j.begin_object();
  j.field("model", v.model);
  j.field("format", v.model_format);
  j.field("file_bytes", v.model_bytes);
  j.field("reference", v.reference);
  j.field("runtime", v.runtime);
  j.field("inputs", v.inputs);
  j.field("outputs", v.outputs);
  j.field("data", v.data);
  j.field("precision", precision_name(v.precision));
  j.field("samples", v.comparison.samples);
  j.field("top1_agreement", v.comparison.top1_agreement);
  j.field("cosine_mean", v.comparison.cosine_mean);
  j.field("cosine_min", v.comparison.cosine_min);
  j.field("max_abs_diff", v.comparison.max_abs_diff);
  if (v.accuracy) {
    j.field("top1", v.accuracy->top1);
    j.field("top5", v.accuracy->top5);
  }
  if (v.reference_accuracy) {
    j.field("reference_top1", v.reference_accuracy->top1);
    j.field("reference_top5", v.reference_accuracy->top5);
  }
  j.field("latency_p50_ms", v.latency_p50_ms);
  j.field("verdict", v.passed ? "PASS" : "FAILED");
  j.field("reasons", v.misses);
  j.field("notes", v.notes);
  if (v.layers_run) {
    j.key("layers");
    j.begin_object();
    if (!v.layers_error.empty()) j.field("error", v.layers_error);
    j.field("max_relative_error", v.thresholds.max_relative_error);
    j.field("max_cosine_distance", v.thresholds.max_cosine_distance);
    j.field("matched", static_cast<int64_t>(v.layers.rows.size()));
    j.field("reference_values", v.layers.reference_values);
    j.key("first_divergent");
    if (v.layers.first_diverged)
      row_json(j, v.layers.rows[*v.layers.first_diverged]);
    else
      j.null();
    j.key("previous_good");
    if (v.layers.last_good)
      row_json(j, v.layers.rows[*v.layers.last_good]);
    else
      j.null();
    j.field("suspects", v.layers.suspects);
    if (list_layers) {
      j.key("rows");
      j.begin_array();
      for (const LayerRow& r : v.layers.rows) row_json(j, r);
      j.end_array();
    }
    j.end_object();
  }
  j.end_object();
  std::printf("%s\n", j.str().c_str());
}

}  // namespace

int run_verify(const std::vector<std::string>& argv) {
  const CommandSpec spec = verify_spec();
  auto parsed = parse_args(spec, argv);
  if (!parsed.ok()) return usage_error(spec.name, parsed.status().message());
  const ParsedArgs& args = *parsed;
  if (args.help()) {
    std::fputs(help_text(spec).c_str(), stdout);
    return kExitOk;
  }
  const auto reference_path = args.value("reference");
  const auto images_dir = args.value("images");
  if (!reference_path) return usage_error(spec.name, "missing --reference SOURCE");
  if (!images_dir) return usage_error(spec.name, "missing --images DIR");
  auto offset_n = int_option(args, "offset", 0, 0, 1'000'000'000);
  auto count_n = int_option(args, "count", 0, 1, 1'000'000'000);  // 0: not given
  auto runs_n = int_option(args, "runs", 10, 0, 100'000);
  auto threads_n = int_option(args, "threads", 2, 1, 256);
  for (const auto* n : {&offset_n, &count_n, &runs_n, &threads_n})
    if (!n->ok()) return usage_error(spec.name, n->status().message());
  const size_t offset = static_cast<size_t>(*offset_n);
  std::optional<size_t> count;
  if (*count_n > 0) count = static_cast<size_t>(*count_n);
  const int runs = static_cast<int>(*runs_n), threads = static_cast<int>(*threads_n);
  std::optional<Precision> precision_arg;
  if (auto s = args.value("precision")) {
    auto p = precision_from_name(*s);
    if (!p.ok()) return usage_error(spec.name, "--precision: " + p.status().message());
    precision_arg = *p;
  }
  std::optional<double> layer_tol;
  if (auto s = args.value("layer-tol")) {
    char* end = nullptr;
    const double x = std::strtod(s->c_str(), &end);
    if (end == s->c_str() || *end != '\0' || !(x > 0))
      return usage_error(spec.name, "--layer-tol: expected a positive number, got '" + *s + "'");
    layer_tol = x;
  }

  VerifyResult v;
  v.model = args.positional(0);
  v.reference = *reference_path;
  auto file = read_model_file(v.model);
  if (!file.ok()) return fail(v.model, file.status());
  v.model_format = std::string(model_format_name(file->format));
  v.model_bytes = static_cast<int64_t>(file->bytes.size());
  auto candidate = import_model(*file);
  if (!candidate.ok()) return fail(v.model, candidate.status());
  file->bytes.clear();
  auto reference = load_model(v.reference);
  if (!reference.ok()) return fail(v.reference, reference.status());
  if (reference->graph.inputs.size() != 1 || candidate->graph.inputs.size() != 1)
    return fail(v.model, Status::Error("verify needs models with one (image) input"));
  const ir::Value& ref_input = *reference->graph.inputs[0];
  const ir::Value& cand_input = *candidate->graph.inputs[0];
  v.inputs = signature(candidate->graph.inputs);
  v.outputs = signature(candidate->graph.outputs);
  v.precision_inferred = !precision_arg;
  v.precision = precision_arg ? *precision_arg : infer_precision(candidate->graph);

  // Images in the reference's input layout.
  const std::string preset_name = args.value("preset").value_or(
      reference->source_format == "onnx" || reference->source_format.starts_with("pytorch:")
          ? std::string("torch")
          : std::string("keras"));
  auto preset = preset_from_name(preset_name);
  if (!preset.ok()) return usage_error(spec.name, "--preset: " + preset.status().message());
  auto input_spec = image_input_spec_from_shape(ir::static_dims(ref_input.shape));
  if (!input_spec.ok()) return fail(v.reference, input_spec.status());
  auto all = list_image_folder(*images_dir);
  if (!all.ok()) return fail(*images_dir, all.status());
  if (auto labels_path = args.value("labels")) {
    auto labels = read_labels_csv(*labels_path);
    if (!labels.ok()) return fail(*labels_path, labels.status());
    for (LabeledImage& image : *all) {
      auto it = labels->find(std::filesystem::path(image.path).filename().string());
      image.label = it == labels->end() ? -1 : it->second;
    }
  }
  auto some = select_images(*all, offset, count);
  if (!some.ok()) return fail(*images_dir, some.status());
  if (some->empty()) return fail(*images_dir, Status::Error("no images"));
  auto batch = load_image_batch(
      *some, make_preprocess(*preset, input_spec->layout, input_spec->height, input_spec->width),
      threads);
  if (!batch.ok()) return fail(*images_dir, batch.status());
  const std::string batch_layout = image_layout_of(ref_input);
  v.data = std::to_string(some->size()) + " images from " + *images_dir + " (images " +
           std::to_string(offset) + ".." + std::to_string(offset + some->size() - 1) +
           " by file name, preset " + preset_name + ")";
  std::vector<int64_t> labels;
  for (int l : image_labels(*some)) labels.push_back(l);
  const bool have_labels =
      std::all_of(labels.begin(), labels.end(), [](int64_t l) { return l >= 0; });

  // Reference in the interpreter, MODEL in its runtime.
  auto ref_out = run_in_interpreter(reference->graph, *batch, "reference outputs");
  if (!ref_out.ok()) return fail(v.reference, ref_out.status());
  const Tensor x = batch_for_input(*batch, batch_layout, cand_input);
  Expected<RunResult> run = file->format == ModelFormat::kOnnx ? run_onnx_file(v.model, x, runs)
                                                               : run_tflite_file(v.model, x, runs);
  if (!run.ok() && file->format == ModelFormat::kTflite) {
    // LiteRT refused the file (e.g. XNNPACK rejects some quantized graphs): the same file, as
    // imported, in the reference interpreter, and the runtime line says so.
    auto out = run_in_interpreter(candidate->graph, x, "model outputs");
    if (!out.ok()) return fail(v.model, run.status());
    run =
        RunResult{std::move(*out),
                  "mconv reference interpreter (LiteRT failed: " + run.status().message() + ")", 0};
  }
  if (!run.ok()) return fail(v.model, run.status());
  // A 1001-class model (background first) against a 1000-class one: compare the 1000.
  if (run->outputs.rank() == 2 && ref_out->rank() == 2) {
    if (run->outputs.dim(1) == ref_out->dim(1) + 1) {
      run->outputs = without_first_class(run->outputs);
      v.notes.push_back("class 0 (background) of MODEL dropped to compare with SOURCE's " +
                        std::to_string(ref_out->dim(1)) + " classes");
    } else if (ref_out->dim(1) == run->outputs.dim(1) + 1) {
      *ref_out = without_first_class(*ref_out);
      v.notes.push_back("class 0 (background) of SOURCE dropped to compare with MODEL's " +
                        std::to_string(run->outputs.dim(1)) + " classes");
    }
  }
  v.runtime = run->runtime;
  v.latency_p50_ms = run->latency_p50;
  auto cmp = report::compare_outputs(run->outputs, *ref_out);
  if (!cmp.ok())
    return fail(v.model, Status::Error("outputs not comparable with the reference: " +
                                       cmp.status().message()));
  v.comparison = *cmp;
  if (have_labels && run->outputs.rank() == 2) {
    // 1001-class models put "background" at index 0; labels count the 1000 ImageNet classes.
    const int64_t max_label = *std::max_element(labels.begin(), labels.end());
    v.class_offset = run->outputs.dim(1) == 1001 && max_label < 1000 ? 1 : 0;
    if (auto a = report::accuracy(run->outputs, labels, v.class_offset); a.ok()) v.accuracy = *a;
    const int ref_offset = ref_out->dim(1) == 1001 && max_label < 1000 ? 1 : 0;
    if (auto a = report::accuracy(*ref_out, labels, ref_offset); a.ok()) v.reference_accuracy = *a;
  }
  const Tolerance tol = default_tolerance(v.precision);
  if (cmp->top1_agreement < tol.min_top1_agreement)
    v.misses.push_back("top-1 agreement " + fixed(cmp->top1_agreement * 100, 1) + "% < " +
                       fixed(tol.min_top1_agreement * 100, 1) + "%");
  if (!(cmp->cosine_mean >= tol.min_cosine))
    v.misses.push_back("cosine " + fixed(cmp->cosine_mean, 6) + " < " + fixed(tol.min_cosine, 4));
  v.passed = v.misses.empty();

  // Where it goes wrong.
  const bool poor = cmp->top1_agreement < 0.99 || !(cmp->cosine_mean >= 0.999);
  if (poor || !v.passed || args.flag("layers")) {
    v.layers_run = true;
    v.thresholds = layer_thresholds(v.precision);
    if (layer_tol)
      v.thresholds = {.max_relative_error = *layer_tol, .max_cosine_distance = *layer_tol / 10};
    const Tensor first = item(*batch, 0);
    auto layers = compare_layers(reference->graph, first, candidate->graph,
                                 batch_for_input(first, batch_layout, cand_input), v.thresholds);
    if (layers.ok())
      v.layers = std::move(*layers);
    else
      v.layers_error = layers.status().message();
  }

  if (args.flag("json"))
    print_json(v, args.flag("layers"));
  else
    print_text(v, args.flag("layers"));
  return v.passed ? kExitOk : kExitFailure;
}

}  // namespace mconv::cli
