// mconv/bench.h over the pipeline's bench_model (the same measurement as `mconv bench`).
#include "api/api_types.h"
#include "mconv/bench.h"
#include "pipeline/bench.h"
#include "report/metrics.h"

namespace mconv::api {

Result<BenchResult> bench(const std::string& model, const BenchOptions& options) {
  if (options.runs < 1) return Status::Error("bench needs at least one timed run");
  if (options.threads < 1 || options.warmup < 0)
    return Status::Error("bench needs threads >= 1 and warmup >= 0");
  pipeline::BenchOptions o;
  o.path = model;
  if (!options.runtime.empty()) {
    auto kind = runtimes::runtime_from_name(options.runtime);
    if (!kind.ok()) return to_api(kind.status());
    o.runtime = *kind;
  }
  o.threads = options.threads;
  o.warmup = options.warmup;
  o.runs = options.runs;
  o.seed = options.seed;
  const pipeline::BenchResult b = pipeline::bench_model(o);
  if (!b.error.empty()) return Status::Error(model + ": " + b.error);

  BenchResult r;
  r.runtime = b.runtime;
  r.runtime_detail = b.runtime_detail;
  r.threads = options.threads;
  r.runs = static_cast<int>(b.times_ms.size());
  r.inputs = b.inputs;
  r.load_ms = b.load_ms;
  r.first_ms = b.first_ms;
  const report::LatencySummary latency = report::summarize_latency(b.times_ms);
  r.mean_ms = latency.mean_ms;
  r.p50_ms = latency.p50_ms;
  r.p90_ms = latency.p90_ms;
  r.p99_ms = latency.p99_ms;
  r.peak_rss_bytes = b.peak_rss_bytes;
  r.file_bytes = b.file_bytes;
  return r;
}

}  // namespace mconv::api
