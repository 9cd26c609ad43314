// `mconv bench` as a library call: load time, first inference, latency of every timed run, peak
// RSS and size of one model file in one runtime (through the Runtime interface), on seeded random
// inputs of the model's own signature.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "pipeline/progress_callback.h"
#include "pipeline/model_runs.h"
#include "runtimes/runtime.h"

namespace mconv::pipeline {

struct BenchOptions {
  std::string path;                              // the model file
  std::optional<runtimes::RuntimeKind> runtime;  // none: the format's default runtime
  bool runtime_asked_by_user = true;             // false for a runtime mconv added itself (bench's
                                                 // LiteRT column), which may fall back when missing
  int threads = 1;                               // intra-op threads
  int warmup = 5;                                // untimed runs after the first
  int runs = 50;                                 // timed runs
  uint64_t seed = 0;                             // seed of the random inputs
  ProgressCallback progress;                     // one stage per model (none: silent)
};

// Everything measured for one model; `error` set (and the figures empty) when it could not be
// benchmarked, so a side-by-side table can still show the column.
struct BenchResult {
  std::string path;              // as given
  std::string format;            // "ONNX", "TFLite"
  std::string runtime;           // runtime name that ran it ("ort", "litert", ...)
  std::string runtime_detail;    // Runtime::description()
  std::string note;              // e.g. why another runtime ran it
  std::string error;             // non-empty when the model could not be benchmarked
  int64_t file_bytes = 0;        // size on disk
  std::string inputs;            // input signature used ("f32[1,3,224,224]")
  double startup_ms = 0;         // one-off runtime start (LiteRT's WASM), 0 otherwise
  double load_ms = 0;            // read + session creation / compile
  double first_ms = 0;           // first inference
  std::vector<double> times_ms;  // timed runs
  int64_t peak_rss_bytes = 0;    // high-water mark of the process that ran it
  std::string peak_rss_scope;    // "mconv process", "mconv process, cumulative", "node process"
};

BenchResult bench_model(const BenchOptions& options);

}  // namespace mconv::pipeline
