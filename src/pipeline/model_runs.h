// A model run on a verification batch through the one Runtime interface (src/runtimes), as
// `mconv convert` (every variant), `mconv verify` and `mconv bench` do it: a file opened in the
// runtime asked for (the reference interpreter imports it first), every sample run, output 0
// back as real f32 values, then optional timed single-sample runs.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "core/status.h"
#include "core/tensor.h"
#include "pipeline/model_files.h"
#include "pipeline/progress_callback.h"
#include "runtimes/runtime.h"

namespace mconv::pipeline {

using runtimes::RuntimeKind;

// An identified model file in `kind`: ort/tflite/litert open the file, the reference interpreter
// runs its imported graph. A runtime that cannot run the format, is missing or refuses the file
// is an error (no fallback; see runtimes::fallback_runtime).
Expected<std::unique_ptr<runtimes::Runtime>> open_model_runtime(const ModelFile& file,
                                                                RuntimeKind kind, int threads = 1);

struct RunResult {
  Tensor outputs;          // output 0 of every sample, [N, ...] f32 (integer outputs dequantized)
  std::string runtime;     // what ran it (Runtime::description)
  double latency_p50 = 0;  // median of the timed single-sample runs (0 when none)
  // In-process runtimes: the wall time of each sample's run (`mconv convert` reports their
  // median as the latency, without extra runs); empty for LiteRT (all samples in one call).
  std::vector<double> sample_ms = {};
};

// Rows [first, first + count) of a batch (count < 0: to the end): the share of a verification
// batch one session runs, so several threads can verify one variant.
struct Rows {
  int64_t first = 0;
  int64_t count = -1;
};

// Runs every sample of `batch` (rows along axis 0) through `runtime`: one call for the whole
// batch when the runtime takes stacked samples (LiteRT: one Node process), else one per sample.
// Samples are cast, or quantized with the input's own params, to the input's dtype. Then, with
// timed_runs > 0, sample 0 is timed `timed_runs` times after 3 untimed runs.
// `rows` limits the samples to a share of the batch (timed runs then use its first sample).
Expected<RunResult> run_samples(runtimes::Runtime& runtime, const Tensor& batch, int timed_runs,
                                ProgressStage* progress = nullptr, Rows rows = {});

// open_runtime(kind, path) + run_samples.
Expected<RunResult> run_model_file(RuntimeKind kind, const std::string& path, ModelFormat format,
                                   const Tensor& batch, int timed_runs, int threads = 1);

}  // namespace mconv::pipeline
