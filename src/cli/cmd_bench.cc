// `mconv bench MODEL... [--runtime ort|tflite|litert|ref] [--threads N] [--warmup W] [--runs R]
// [--json]`: load time, first inference, latency mean/p50/p90/p99, peak RSS and file size of each
// model in its runtime, on seeded random inputs of the model's own signature; several models give
// one side-by-side table.

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <optional>

#include "cli/args.h"
#include "cli/cli_output.h"
#include "cli/commands.h"
#include "cli/json_writer.h"
#include "cli/progress.h"
#include "pipeline/bench.h"
#include "pipeline/model_files.h"
#include "report/metrics.h"

namespace mconv::cli {

namespace {

CommandSpec bench_spec() {
  return {
      .name = "bench",
      .summary = "Benchmark models: load time, first inference, latency percentiles, peak RSS.",
      .positionals = {{"MODEL...", "one or more .onnx or .tflite files"}},
      .options =
          {
              {.name = "runtime",
               .value_name = "ort|tflite|litert|ref",
               .help = "runtime for every model (default: ort for .onnx; for .tflite native "
                       "TensorFlow Lite and LiteRT, side by side)"},
              {.name = "threads",
               .short_name = 't',
               .value_name = "N",
               .help = "intra-op threads (default 1)"},
              {.name = "warmup",
               .value_name = "W",
               .help = "untimed runs after the first inference (default 5)"},
              {.name = "runs",
               .short_name = 'r',
               .value_name = "R",
               .help = "timed runs (default 50)"},
              {.name = "seed", .value_name = "S", .help = "seed of the random inputs (default 0)"},
              {.name = "json", .help = "print the results as JSON on stdout"},
          },
      .notes =
          "Inputs are seeded random tensors in each model's input signature (f32/f16 uniform in\n"
          "[-1,1), int8/uint8 over their whole range); dynamic dims are taken as 1.\n"
          "Load = reading the file and creating the session (LiteRT: reading and compiling the\n"
          "model; its one-off WASM start-up is listed separately). Latency percentiles are\n"
          "nearest-rank over the timed runs. Peak RSS is the process's high-water mark while\n"
          "the model loads and runs (LiteRT: the Node process that runs it).\n"
          "A .tflite without --runtime is measured twice, in native TensorFlow Lite 2.9 (XNNPACK,\n"
          "in this process) and in LiteRT, side by side. When LiteRT (Node + scripts/setup.sh) is\n"
          "missing, its column runs in the reference interpreter and the output says so.",
      .last_positional_repeats = true,
  };
}

struct BenchSettings {
  std::optional<RuntimeKind> runtime;  // forced runtime, else chosen per file
  int threads = 1;                     // intra-op threads
  int warmup = 5;                      // untimed runs after the first
  int runs = 50;                       // timed runs
  uint64_t seed = 0;                   // input seed
};

// One column: the model in `kind` (none: its format's default); `asked` when the user named it.
BenchResult bench_one(const std::string& path, const BenchSettings& s,
                      std::optional<RuntimeKind> kind, bool asked) {
  return bench_model({.path = path,
                      .runtime = kind,
                      .runtime_asked_by_user = asked,
                      .threads = s.threads,
                      .warmup = s.warmup,
                      .runs = s.runs,
                      .seed = s.seed,
                      .progress = progress_bars()});
}

std::string ms_text(double ms) {
  char buf[32];
  std::snprintf(buf, sizeof buf, ms >= 100 ? "%.0f ms" : "%.2f ms", ms);
  return buf;
}

void print_table(const std::vector<BenchResult>& results, const BenchSettings& s) {
  std::vector<std::string> labels = {
      "model",           "format",       "runtime",     "inputs",      "file size",   "load",
      "first inference", "latency mean", "latency p50", "latency p90", "latency p99", "peak RSS"};
  bool any_init = false;
  for (const BenchResult& r : results) any_init |= r.startup_ms > 0;
  if (any_init) labels.insert(labels.begin() + 5, "runtime start");
  std::vector<std::vector<std::string>> columns;
  for (const BenchResult& r : results) {
    std::vector<std::string> c;
    c.push_back(std::filesystem::path(r.path).filename().string());
    c.push_back(r.format.empty() ? "?" : r.format);
    c.push_back(r.runtime.empty() ? "-" : r.runtime);
    if (!r.error.empty()) {
      c.push_back("FAILED");
      while (c.size() < labels.size()) c.push_back("-");
      columns.push_back(c);
      continue;
    }
    c.push_back(r.inputs);
    c.push_back(human_bytes(static_cast<uint64_t>(r.file_bytes)));
    if (any_init) c.push_back(r.startup_ms > 0 ? ms_text(r.startup_ms) : "-");
    c.push_back(ms_text(r.load_ms));
    c.push_back(ms_text(r.first_ms));
    const report::LatencySummary latency = report::summarize_latency(r.times_ms);
    c.push_back(ms_text(latency.mean_ms));
    c.push_back(ms_text(latency.p50_ms));
    c.push_back(ms_text(latency.p90_ms));
    c.push_back(ms_text(latency.p99_ms));
    c.push_back(human_bytes(static_cast<uint64_t>(r.peak_rss_bytes)) + " (" + r.peak_rss_scope +
                ")");
    columns.push_back(c);
  }
  size_t label_width = 0;
  for (const std::string& l : labels) label_width = std::max(label_width, l.size());
  std::vector<size_t> widths;
  for (const auto& c : columns) {
    size_t w = 0;
    for (const std::string& cell : c) w = std::max(w, cell.size());
    widths.push_back(w);
  }
  for (size_t row = 0; row < labels.size(); ++row) {
    std::string line = labels[row];
    line.resize(label_width + 2, ' ');
    for (size_t c = 0; c < columns.size(); ++c) {
      std::string cell = columns[c][row];
      if (c + 1 < columns.size()) cell.resize(widths[c] + 3, ' ');
      line += cell;
    }
    std::printf("%s\n", line.c_str());
  }
  std::printf("threads %d, warmup %d, timed runs %d, random inputs (seed %llu)\n", s.threads,
              s.warmup, s.runs, static_cast<unsigned long long>(s.seed));
  for (const BenchResult& r : results)
    if (!r.note.empty()) std::printf("note: %s: %s\n", r.path.c_str(), r.note.c_str());
}

void print_json(const std::vector<BenchResult>& results, const BenchSettings& s) {
  JsonWriter j;
  j.begin_object();
  j.field("threads", s.threads);
  j.field("warmup", s.warmup);
  j.field("runs", s.runs);
  j.field("seed", static_cast<int64_t>(s.seed));
  j.key("models");
  j.begin_array();
  for (const BenchResult& r : results) {
    j.begin_object();
    j.field("path", r.path);
    j.field("format", r.format);
    j.field("runtime", r.runtime);
    j.field("ok", r.error.empty());
    if (!r.error.empty()) j.field("error", r.error);
    if (!r.note.empty()) j.field("note", r.note);
    j.field("file_bytes", r.file_bytes);
    if (r.error.empty()) {
      j.field("inputs", r.inputs);
      j.field("runtime_start_ms", r.startup_ms);
      j.field("load_ms", r.load_ms);
      j.field("first_inference_ms", r.first_ms);
      const report::LatencySummary latency = report::summarize_latency(r.times_ms);
      j.key("latency_ms");
      j.begin_object();
      j.field("mean", latency.mean_ms);
      j.field("p50", latency.p50_ms);
      j.field("p90", latency.p90_ms);
      j.field("p99", latency.p99_ms);
      j.field("min", latency.min_ms);
      j.field("max", latency.max_ms);
      j.end_object();
      j.field("peak_rss_bytes", r.peak_rss_bytes);
      j.field("peak_rss_scope", r.peak_rss_scope);
    }
    j.end_object();
  }
  j.end_array();
  j.end_object();
  std::fputs(j.str().c_str(), stdout);
}

}  // namespace

int run_bench(const std::vector<std::string>& args) {
  CommandSpec spec = bench_spec();
  ParsedArgs parsed;
  if (auto exit_code = parse_command(spec, args, parsed)) return *exit_code;
  BenchSettings s;
  if (auto name = parsed.value("runtime")) {
    auto kind = runtimes::runtime_from_name(*name);
    if (!kind.ok()) return usage_error(spec.name, kind.status().message());
    s.runtime = *kind;
  }
  struct IntOption {
    const char* name;  // option name
    int64_t min, max;  // accepted range
    int* target;       // where the value goes
  };
  const IntOption ints[] = {{"threads", 1, 256, &s.threads},
                            {"warmup", 0, 100000, &s.warmup},
                            {"runs", 1, 1000000, &s.runs}};
  for (const IntOption& o : ints)
    if (auto text = parsed.value(o.name)) {
      auto n = parse_int(*text, std::string("--") + o.name, o.min, o.max);
      if (!n.ok()) return usage_error(spec.name, n.status().message());
      *o.target = static_cast<int>(*n);
    }
  if (auto text = parsed.value("seed")) {
    auto n = parse_int(*text, "--seed", 0, INT64_MAX);
    if (!n.ok()) return usage_error(spec.name, n.status().message());
    s.seed = static_cast<uint64_t>(*n);
  }

  std::vector<BenchResult> results;
  for (const std::string& path : parsed.positionals()) {
    // A .tflite without --runtime: native TensorFlow Lite, then LiteRT, side by side.
    const bool both = !s.runtime && path.size() > 7 && path.substr(path.size() - 7) == ".tflite";
    if (both) results.push_back(bench_one(path, s, RuntimeKind::kTflite, false));
    if (both)
      results.push_back(bench_one(path, s, RuntimeKind::kLitert, false));
    else
      results.push_back(bench_one(path, s, s.runtime, s.runtime.has_value()));
  }
  if (parsed.flag("json"))
    print_json(results, s);
  else
    print_table(results, s);
  int code = kExitOk;
  for (const BenchResult& r : results)
    if (!r.error.empty()) {
      print_error(r.path, r.error);
      code = kExitFailure;
    }
  return code;
}

}  // namespace mconv::cli
