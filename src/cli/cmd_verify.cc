// `mconv verify MODEL --reference SOURCE --images DIR`: one row of the convert report for one
// file. The check itself is pipeline/verify.h; this file parses the options and prints the result
// as text or JSON.
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <optional>

#include "cli/args.h"
#include "cli/cli_output.h"
#include "cli/commands.h"
#include "cli/json_writer.h"
#include "cli/progress.h"
#include "data/preprocess.h"
#include "pipeline/convert_variants.h"
#include "pipeline/verify.h"

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
  ParsedArgs args;
  if (auto exit_code = parse_command(spec, argv, args)) return *exit_code;
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

  VerifyOptions options{.model = args.positional(0),
                        .reference = *reference_path,
                        .images_dir = *images_dir,
                        .labels_csv = args.value("labels").value_or(""),
                        .preset = args.value("preset").value_or(""),
                        .offset = offset,
                        .count = count,
                        .runs = runs,
                        .threads = threads,
                        .precision = precision_arg,
                        .layers = args.flag("layers"),
                        .layer_tol = layer_tol,
                        .progress = progress_bars()};
  if (!options.preset.empty())
    if (auto preset = preset_from_name(options.preset); !preset.ok())
      return usage_error(spec.name, "--preset: " + preset.status().message());
  auto verified = verify_model(options);
  if (!verified.ok()) return fail("", verified.status());
  const VerifyResult& v = *verified;
  if (args.flag("json"))
    print_json(v, args.flag("layers"));
  else
    print_text(v, args.flag("layers"));
  return v.passed ? kExitOk : kExitFailure;
}

}  // namespace mconv::cli
