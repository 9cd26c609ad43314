// mconv's LiteRT runtime: runs .tflite files in Google's LiteRT (TFLite + XNNPACK built to
// WebAssembly) by driving tools/litert/mconv_litert.mjs under Node in a child process. Every call
// is one Node process (startup ~0.5 s), so callers pass many samples or jobs at once.
//
// Locating the pieces (first hit wins):
//   node:    $MCONV_NODE, else `node` on $PATH
//   script:  $MCONV_LITERT_SCRIPT, else <source tree>/tools/litert/mconv_litert.mjs
//   home:    $MCONV_LITERT_HOME, else <source tree>/.cache/litert (installed by scripts/setup.sh)
// When something is missing the calls return a Status saying what (never crash), so callers can
// fall back to the reference interpreter.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/status.h"
#include "core/tensor.h"
#include "core/tensor_spec.h"

namespace mconv::litert {

// Where the runtime's parts were found.
struct LiteRtLocation {
  std::string node;    // the Node executable
  std::string script;  // mconv_litert.mjs
  std::string home;    // directory holding node_modules/@litertjs/core
};

// Finds node, the runner script and the LiteRT packages; the error names the missing piece and
// how to get it ("LiteRT packages not found in /x/.cache/litert: run scripts/setup.sh").
Expected<LiteRtLocation> locate_litert();
// True when locate_litert() succeeds; otherwise `why` (if given) receives the reason.
bool litert_available(std::string* why = nullptr);

struct LiteRtModelInfo {
  // Subgraph inputs/outputs in order: shape from shape_signature (-1 = dynamic) when the file
  // has one, else the stored shape; per-tensor or per-axis quantization; dtype kUndefined for
  // types mconv lacks.
  std::vector<TensorSpec> inputs;
  std::vector<TensorSpec> outputs;
};

// Reads the I/O signature the way the runner sees it (no inference runs).
Expected<LiteRtModelInfo> litert_info(const std::string& model_path);

struct LiteRtOptions {
  int threads = 1;                // XNNPACK threads
  std::string engine = "litert";  // "litert", "tfjs" (tfjs-tflite) or "auto" (litert, then tfjs)
  double timeout_seconds = 900;   // the Node process is killed after this long
};

struct LiteRtTiming;

// Runs `inputs` (one tensor per model input, signature order) through the model in one Node
// process. An input may hold N stacked samples [N, ...] for a model input [1, ...]: the samples
// run one at a time and every output comes back stacked [N, ...]. A float32 tensor for an
// int8/uint8 input is quantized with the input's scale and zero point. Outputs keep the model's
// own dtype.
// With `timing`, the same process then times the first sample: `timed_runs` runs after `warmup`
// untimed ones (saves a second Node start when a caller wants outputs and latency).
Expected<std::vector<Tensor>> litert_run(const std::string& model_path,
                                         const std::vector<Tensor>& inputs,
                                         const LiteRtOptions& options = {},
                                         LiteRtTiming* timing = nullptr, int timed_runs = 0,
                                         int warmup = 0);

// Timing of one model in LiteRT, all in milliseconds.
struct LiteRtTiming {
  std::string engine;            // engine that ran it ("litert" or "tfjs")
  double runtime_init_ms = 0;    // starting the WASM runtime (once per process)
  double load_ms = 0;            // reading + compiling the model
  double first_ms = 0;           // the first inference (includes lazy initialisation)
  std::vector<double> times_ms;  // every timed run after the warmup, in run order
  int64_t peak_rss_bytes = 0;    // the Node process's peak resident set
  double process_ms = 0;         // wall time of the whole Node process (startup included)
};

// Runs `inputs` once (first inference), `warmup` untimed runs, then `runs` timed runs.
Expected<LiteRtTiming> litert_time(const std::string& model_path, const std::vector<Tensor>& inputs,
                                   int warmup, int runs, const LiteRtOptions& options = {});

// A model and its inputs for litert_run_jobs: several models through one Node process.
struct LiteRtJob {
  std::string model;                // .tflite path
  std::vector<std::string> inputs;  // one .npy per model input (may hold N stacked samples)
  std::string out_prefix;           // outputs are written to <out_prefix>.<k>.npy
};

struct LiteRtJobsResult {
  int exit_code = -1;        // the runner's exit code: 0 when every job succeeded
  std::string log;           // runner stdout then stderr (OK/FAIL lines, runtime messages)
  std::vector<bool> job_ok;  // per job
  std::vector<std::string> job_message;  // per job: the text after "OK k"/"FAIL k"
  std::vector<LiteRtTiming> job_timing;  // per job, filled when timed_runs > 0 and it ran
};

// Runs every job in one Node process; the list file goes into `work_dir`. Fails only when the
// runner could not be started or overran the timeout; failed jobs are reported per job.
// With timed_runs > 0 every job also times its first sample (`warmup` untimed runs first).
Expected<LiteRtJobsResult> litert_run_jobs(const std::vector<LiteRtJob>& jobs,
                                           const std::string& work_dir,
                                           const LiteRtOptions& options = {}, int timed_runs = 0,
                                           int warmup = 0);

// DType for a TFLite type name ("float32" -> kF32); kUndefined when mconv has no such type.
DType dtype_from_tflite_name(const std::string& name);

}  // namespace mconv::litert
