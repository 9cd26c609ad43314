#include "pipeline/bench.h"

#include <chrono>
#include <filesystem>
#include <random>

#include "pipeline/bench_measures.h"
#include "pipeline/model_files.h"
#include "pipeline/model_runs.h"

namespace mconv::pipeline {
namespace {

double elapsed_ms(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
      .count();
}

}  // namespace

BenchResult bench_model(const BenchOptions& options) {
  BenchResult r;
  r.path = options.path;
  const auto read_start = std::chrono::steady_clock::now();
  auto file = read_model_file(options.path);
  const double read_ms = elapsed_ms(read_start);
  if (!file.ok()) {
    r.error = file.status().message();
    return r;
  }
  r.format = std::string(model_format_name(file->format));
  r.file_bytes = static_cast<int64_t>(file->bytes.size());
  RuntimeKind kind = options.runtime.value_or(runtimes::default_runtime(file->format));
  if (Status st = runtimes::check_runs_format(kind, file->format); !st.ok()) {
    r.runtime = std::string(runtimes::runtime_name(kind));
    r.error = st.message();
    return r;
  }
  // The one fallback rule: only a runtime the user did not ask for may give way, and we say so.
  if (std::string why; !runtimes::runtime_available(kind, &why)) {
    const auto fallback = runtimes::fallback_runtime(kind, options.runtime_asked_by_user);
    if (!fallback) {
      r.runtime = std::string(runtimes::runtime_name(kind));
      r.error = std::string(runtimes::runtime_title(kind)) + " not available: " + why;
      return r;
    }
    r.note = std::string(runtimes::runtime_title(kind)) + " not available (" + why + "); ran in " +
             std::string(runtimes::runtime_title(*fallback));
    kind = *fallback;
  }
  r.runtime = std::string(runtimes::runtime_name(kind));

  const bool in_process = kind != RuntimeKind::kLitert;
  const bool reset = in_process && reset_peak_rss();
  const auto load_start = std::chrono::steady_clock::now();
  auto runtime = open_model_runtime(*file, kind, options.threads);
  if (!runtime.ok()) {
    r.error = runtime.status().message();
    return r;
  }
  file->bytes.clear();
  r.load_ms = read_ms + elapsed_ms(load_start);
  std::mt19937_64 rng(options.seed);
  std::vector<Tensor> inputs;
  for (const TensorSpec& spec : (*runtime)->inputs()) {
    if (!spec.has_shape) {
      r.error = "input '" + spec.name + "' has no known rank";
      return r;
    }
    auto t = random_tensor(spec.dtype, spec.shape, rng);
    if (!t.ok()) {
      r.error = "input '" + spec.name + "': " + t.status().message();
      return r;
    }
    r.inputs += (r.inputs.empty() ? "" : ", ") + t->describe();
    inputs.push_back(std::move(*t));
  }
  // In this process every run is a step; LiteRT's runs happen inside Node: one step.
  ProgressStage progress(options.progress,
                         "bench " + std::filesystem::path(r.path).filename().string() +
                             (in_process ? "" : " (LiteRT)"),
                         in_process ? 1 + options.warmup + options.runs : 1);
  auto timing = (*runtime)->time_runs(inputs, options.warmup, options.runs,
                                      [&progress] { progress.advance(); });
  if (!in_process) progress.advance();
  if (!timing.ok()) {
    r.error = timing.status().message();
    return r;
  }
  r.runtime_detail = (*runtime)->description();
  r.startup_ms = timing->startup_ms;
  if (timing->load_ms >= 0) r.load_ms = timing->load_ms;  // measured inside the runtime (LiteRT)
  r.first_ms = timing->first_ms;
  r.times_ms = std::move(timing->times_ms);
  if (in_process) {
    r.peak_rss_bytes = peak_rss_bytes();
    r.peak_rss_scope = reset ? "mconv process" : "mconv process, cumulative";
  } else {
    r.peak_rss_bytes = timing->peak_rss_bytes;
    r.peak_rss_scope = "node process";
  }
  return r;
}

}  // namespace mconv::pipeline
