// `mconv bench MODEL... [--runtime ort|litert|ref] [--threads N] [--warmup W] [--runs R] [--json]`:
// load time, first inference, latency mean/p50/p90/p99, peak RSS and file size of each model in
// its runtime, on seeded random inputs of the model's own signature; several models give one
// side-by-side table.

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <optional>
#include <random>

#include "cli/args.h"
#include "cli/cli_output.h"
#include "cli/commands.h"
#include "cli/json_writer.h"
#include "cli/model_runner.h"
#include "cli/progress.h"
#include "litert/litert.h"
#include "pipeline/bench_measures.h"
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
               .value_name = "ort|litert|ref",
               .help = "runtime for every model (default: ort for .onnx, litert for .tflite)"},
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
          "When LiteRT (Node + scripts/setup.sh) is missing, .tflite files run in the reference\n"
          "interpreter and the output says so.",
      .last_positional_repeats = true,
  };
}

enum class BenchRuntime { kOrt, kLitert, kRef };

const char* bench_runtime_name(BenchRuntime r) {
  return r == BenchRuntime::kOrt ? "ort" : r == BenchRuntime::kLitert ? "litert" : "ref";
}

struct BenchSettings {
  std::optional<BenchRuntime> runtime;  // forced runtime, else chosen per file
  int threads = 1;                      // intra-op threads
  int warmup = 5;                       // untimed runs after the first
  int runs = 50;                        // timed runs
  uint64_t seed = 0;                    // input seed
};

// Everything measured for one model.
struct BenchResult {
  std::string path;              // as given
  std::string format;            // "ONNX", "TFLite"
  std::string runtime;           // runtime that ran it
  std::string note;              // e.g. why LiteRT was not used
  std::string error;             // non-empty when the model could not be benchmarked
  int64_t file_bytes = 0;        // size on disk
  std::string inputs;            // input signature used ("f32[1,3,224,224]")
  double init_ms = 0;            // one-off runtime start (LiteRT's WASM), 0 otherwise
  double load_ms = 0;            // read + session creation / compile
  double first_ms = 0;           // first inference
  std::vector<double> times_ms;  // timed runs
  int64_t peak_rss_bytes = 0;    // high-water mark of the process that ran it
  std::string peak_rss_scope;    // "mconv process" or "node process"
};

double elapsed_ms(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
      .count();
}

// ONNX Runtime or the reference interpreter, in this process.
void bench_in_process(const ModelFile& file, RuntimeKind kind, const BenchSettings& s,
                      BenchResult& r, double read_ms) {
  const bool reset = reset_peak_rss();
  const auto load_start = std::chrono::steady_clock::now();
  auto runner = open_runner(file, kind, s.threads);
  if (!runner.ok()) {
    r.error = runner.status().message();
    return;
  }
  r.load_ms = read_ms + elapsed_ms(load_start);
  std::mt19937_64 rng(s.seed);
  std::vector<Tensor> inputs;
  for (const IoSpec& spec : (*runner)->inputs()) {
    if (!spec.has_shape) {
      r.error = "input '" + spec.name + "' has no known rank";
      return;
    }
    auto t = random_tensor(spec.dtype, spec.shape, rng);
    if (!t.ok()) {
      r.error = "input '" + spec.name + "': " + t.status().message();
      return;
    }
    r.inputs += (r.inputs.empty() ? "" : ", ") + t->describe();
    inputs.push_back(std::move(*t));
  }
  Progress progress("bench " + std::filesystem::path(r.path).filename().string(),
                    1 + s.warmup + s.runs);
  auto run_once = [&](double* ms) -> bool {
    const auto start = std::chrono::steady_clock::now();
    auto out = (*runner)->run(inputs);
    if (ms) *ms = elapsed_ms(start);
    progress.advance();
    if (!out.ok()) r.error = out.status().message();
    return out.ok();
  };
  if (!run_once(&r.first_ms)) return progress.finish("failed");
  for (int w = 0; w < s.warmup; ++w)
    if (!run_once(nullptr)) return progress.finish("failed");
  for (int i = 0; i < s.runs; ++i) {
    double ms = 0;
    if (!run_once(&ms)) return progress.finish("failed");
    r.times_ms.push_back(ms);
  }
  progress.finish();
  r.peak_rss_bytes = peak_rss_bytes();
  r.peak_rss_scope = reset ? "mconv process" : "mconv process, cumulative";
}

// LiteRT in its Node child process.
void bench_litert(const BenchSettings& s, BenchResult& r) {
  auto info = litert::litert_info(r.path);
  if (!info.ok()) {
    r.error = info.status().message();
    return;
  }
  std::mt19937_64 rng(s.seed);
  std::vector<Tensor> inputs;
  for (const litert::LiteRtTensorInfo& spec : info->inputs) {
    auto t = random_tensor(spec.dtype, spec.shape, rng);
    if (!t.ok()) {
      r.error = "input '" + spec.name + "': " + t.status().message();
      return;
    }
    r.inputs += (r.inputs.empty() ? "" : ", ") + t->describe();
    inputs.push_back(std::move(*t));
  }
  Progress progress("bench " + std::filesystem::path(r.path).filename().string() + " (LiteRT)", 1);
  auto timing = litert::litert_time(r.path, inputs, s.warmup, s.runs, {.threads = s.threads});
  progress.advance();
  if (!timing.ok()) {
    r.error = timing.status().message();
    progress.finish("failed");
    return;
  }
  progress.finish();
  r.runtime = "litert";
  if (timing->engine != "litert") r.runtime += " (" + timing->engine + " engine)";
  r.init_ms = timing->runtime_init_ms;
  r.load_ms = timing->load_ms;
  r.first_ms = timing->first_ms;
  r.times_ms = timing->times_ms;
  r.peak_rss_bytes = timing->peak_rss_bytes;
  r.peak_rss_scope = "node process";
}

BenchResult bench_one(const std::string& path, const BenchSettings& s) {
  BenchResult r;
  r.path = path;
  const auto read_start = std::chrono::steady_clock::now();
  auto file = read_model_file(path);
  const double read_ms = elapsed_ms(read_start);
  if (!file.ok()) {
    r.error = file.status().message();
    return r;
  }
  r.format = std::string(model_format_name(file->format));
  r.file_bytes = static_cast<int64_t>(file->bytes.size());
  BenchRuntime runtime = s.runtime.value_or(
      file->format == ModelFormat::kOnnx ? BenchRuntime::kOrt : BenchRuntime::kLitert);
  if (runtime == BenchRuntime::kLitert) {
    if (file->format != ModelFormat::kTflite) {
      r.error = "runtime 'litert' runs TFLite files only (use --runtime ort or ref)";
      return r;
    }
    std::string why;
    if (litert::litert_available(&why)) {
      file->bytes.clear();  // the Node process reads the file itself
      bench_litert(s, r);
      return r;
    }
    if (s.runtime) {
      r.error = "LiteRT not available: " + why;
      return r;
    }
    r.note = "LiteRT not available (" + why + "); ran in the reference interpreter";
    runtime = BenchRuntime::kRef;
  }
  r.runtime = bench_runtime_name(runtime);
  bench_in_process(*file, runtime == BenchRuntime::kOrt ? RuntimeKind::kOrt : RuntimeKind::kRef, s,
                   r, read_ms);
  return r;
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
  for (const BenchResult& r : results) any_init |= r.init_ms > 0;
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
    if (any_init) c.push_back(r.init_ms > 0 ? ms_text(r.init_ms) : "-");
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
      j.field("runtime_start_ms", r.init_ms);
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
    if (*name == "ort")
      s.runtime = BenchRuntime::kOrt;
    else if (*name == "litert")
      s.runtime = BenchRuntime::kLitert;
    else if (*name == "ref")
      s.runtime = BenchRuntime::kRef;
    else
      return usage_error(spec.name, "unknown runtime '" + *name + "' (choose ort, litert or ref)");
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
  for (const std::string& path : parsed.positionals()) results.push_back(bench_one(path, s));
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
