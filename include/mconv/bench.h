// mconv public API: latency of a model file in a runtime, as `mconv bench` measures it. The model
// runs on seeded random inputs of its own input signature (dynamic dims as 1): one first
// inference, `warmup` untimed runs, then `runs` timed runs; percentiles are nearest-rank over the
// timed runs. A runtime that is missing or refuses the file is an error, never a fallback.
#pragma once

#include <cstdint>
#include <string>

#include "mconv/status.h"

namespace mconv::api {

struct BenchOptions {
  std::string runtime;  // "ort", "tflite" (native TensorFlow Lite 2.9, XNNPACK), "litert"
                        // (LiteRT.js under Node) or "ref" (the reference interpreter);
                        // "" = the format's own: ort for .onnx, tflite for .tflite
  int threads = 1;      // intra-op threads
  int warmup = 5;       // untimed runs after the first inference
  int runs = 50;        // timed runs (at least 1)
  uint64_t seed = 0;    // seed of the random inputs
};

struct BenchResult {
  std::string runtime;         // the runtime's name ("ort", "tflite", "litert", "ref")
  std::string runtime_detail;  // what ran it ("onnxruntime 1.30.0", "TensorFlow Lite 2.9.0 (...)")
  int threads = 1;             // intra-op threads used
  int runs = 0;                // timed runs
  std::string inputs;          // the inputs it ran on ("f32[1,3,224,224]")
  double load_ms = 0;          // reading the file and creating the session
  double first_ms = 0;         // the first inference
  double mean_ms = 0;          // latency of the timed runs: mean,
  double p50_ms = 0;           //   median,
  double p90_ms = 0;           //   90th percentile,
  double p99_ms = 0;           //   99th percentile
  int64_t peak_rss_bytes = 0;  // peak resident memory of the process that ran it
  int64_t file_bytes = 0;      // size of the file
};

// Benchmarks `model` (.onnx, .tflite, or a PyTorch .pth with runtime "ref").
Result<BenchResult> bench(const std::string& model, const BenchOptions& options = {});

}  // namespace mconv::api
