// One face for every runtime mconv runs models in: ONNX Runtime, native TensorFlow Lite 2.9,
// LiteRT (LiteRT.js under Node) and the reference interpreter. Open a file (or, for the
// interpreter, an imported graph) -> its signature as core TensorSpecs -> run a batch -> outputs;
// timed runs for bench. `mconv run`, `convert` (every variant), `verify` and `bench` use only this.
//
// The rules that used to be written per command live here once:
//   - which runtime runs a format by default (default_runtime),
//   - which runtime may stand in when one is missing (fallback_runtime: none for a runtime the
//     user asked for; a missing or refusing runtime is an error naming it).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/model_format.h"
#include "core/status.h"
#include "core/tensor.h"
#include "core/tensor_spec.h"
#include "ir/graph.h"

namespace mconv::runtimes {

enum class RuntimeKind {
  kOrt,     // ONNX Runtime 1.30 (ONNX files)
  kTflite,  // native TensorFlow Lite 2.9 with XNNPACK, in-process (TFLite files)
  kLitert,  // LiteRT.js under Node, a child process per run (TFLite files)
  kRef,     // mconv's reference interpreter on the IR (any format mconv imports)
};
inline constexpr RuntimeKind kAllRuntimeKinds[] = {RuntimeKind::kOrt, RuntimeKind::kTflite,
                                                   RuntimeKind::kLitert, RuntimeKind::kRef};

std::string_view runtime_name(RuntimeKind kind);  // "ort", "tflite", "litert", "ref"
// What people call it in messages: "ONNX Runtime", "native TensorFlow Lite", "LiteRT", "the
// reference interpreter".
std::string_view runtime_title(RuntimeKind kind);
// Parses a name; the error lists the choices ("unknown runtime 'x' (choose ort, tflite, litert or
// ref)").
Expected<RuntimeKind> runtime_from_name(std::string_view name);

// The runtime that runs `format` when none is asked for: ONNX Runtime for ONNX, native TFLite
// for TFLite, the reference interpreter for what only mconv reads (PyTorch checkpoints).
RuntimeKind default_runtime(ModelFormat format);
// Whether `kind` can run a file of `format`; the error says which formats it takes.
Status check_runs_format(RuntimeKind kind, ModelFormat format);
// Whether the runtime is present on this machine (ORT, TFLite and the interpreter are linked in;
// LiteRT needs Node and scripts/setup.sh). `why` receives the reason when not.
bool runtime_available(RuntimeKind kind, std::string* why = nullptr);

// The one fallback rule. A runtime the user named never falls back: missing, or refusing the
// file, is an error naming it (convert marks the variant FAILED, verify and bench fail). Only a
// runtime mconv picked by itself for an extra column (bench's LiteRT beside native TFLite) may
// give way to the reference interpreter when it is missing, and the caller must say so.
std::optional<RuntimeKind> fallback_runtime(RuntimeKind missing, bool asked_by_user);

struct RuntimeOptions {
  int threads = 1;  // intra-op threads (ORT, TFLite/XNNPACK, LiteRT, interpreter)
};

// Timing of one model in one runtime, in milliseconds.
struct RunTiming {
  double startup_ms = 0;         // one-off runtime start (LiteRT's WASM), 0 for in-process ones
  double load_ms = -1;           // model load measured by the runtime itself (LiteRT), else -1
  double first_ms = 0;           // the first inference (lazy initialisation included)
  std::vector<double> times_ms;  // every timed run, in order
  int64_t peak_rss_bytes = 0;    // peak RSS of a child process that ran it (LiteRT), else 0
};

class Runtime {
 public:
  virtual ~Runtime() = default;

  virtual RuntimeKind kind() const = 0;
  std::string_view name() const { return runtime_name(kind()); }
  // What runs it, as reports and runtime lines print it ("onnxruntime 1.30.0", "TensorFlow Lite
  // 2.9.0 (XNNPACK delegate (int8 on), 1 threads)", "LiteRT (litert)").
  virtual std::string description() const = 0;

  virtual const std::vector<TensorSpec>& inputs() const = 0;
  virtual const std::vector<TensorSpec>& outputs() const = 0;

  // One tensor per input in signature order; outputs in signature order with the model's dtypes.
  // Inputs match inputs() (see check_input); when takes_stacked_samples(), an input may also hold
  // N samples [N, ...] for a model input fixed at [1, ...] and outputs come back stacked.
  virtual Expected<std::vector<Tensor>> run(const std::vector<Tensor>& inputs) = 0;
  // True when run() takes stacked samples itself (native TFLite: one at a time in-process; LiteRT:
  // all in one Node process, where running them one call at a time would start Node N times).
  virtual bool takes_stacked_samples() const { return false; }

  // The first run, `warmup` untimed runs, then `runs` timed runs of the same inputs. The default
  // times run() in this process and calls `after_each_run` (when set) after every run, for
  // progress; LiteRT times inside its Node process and reports no single runs.
  virtual Expected<RunTiming> time_runs(const std::vector<Tensor>& inputs, int warmup, int runs,
                                        const std::function<void()>& after_each_run = nullptr);
};

// Opens a model file in a runtime that runs files (ort, tflite, litert). `format` is the file's
// detected format (checked with check_runs_format). The reference interpreter runs graphs: open
// it with the overload below (an error here says so). Errors do not repeat `path`'s name unless
// the runtime's own message does.
Expected<std::unique_ptr<Runtime>> open_runtime(RuntimeKind kind, const std::string& path,
                                                ModelFormat format,
                                                const RuntimeOptions& options = {});
// The reference interpreter over an imported model (it keeps the model).
Expected<std::unique_ptr<Runtime>> open_runtime(ir::Model model,
                                                const RuntimeOptions& options = {});
// The reference interpreter over a graph the caller keeps alive longer than the runtime (no copy
// of a source graph that is also being converted).
Expected<std::unique_ptr<Runtime>> open_runtime(const ir::Graph& graph,
                                                const RuntimeOptions& options = {});

// The signature of an IR graph's values as TensorSpecs (symbolic dims named, image layout set).
std::vector<TensorSpec> specs_of(const std::vector<ir::Value*>& values);

}  // namespace mconv::runtimes
