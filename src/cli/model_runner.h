// One face for the in-process runtimes `mconv run`, `verify` and `bench` use (ONNX Runtime, native
// TensorFlow Lite, the reference interpreter), plus the row-by-row fallback for batch-1 models fed
// a batch of N. Signatures are core TensorSpecs.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "core/tensor.h"
#include "core/tensor_spec.h"
#include "pipeline/model_files.h"

namespace mconv::cli {

// The command line is a thin layer over the pipeline library and uses its names unqualified.
using namespace ::mconv::pipeline;

enum class RuntimeKind {
  kOrt,     // ONNX Runtime (ONNX files only)
  kRef,     // mconv's reference interpreter on the IR
  kTflite,  // native TensorFlow Lite 2.9 with XNNPACK (TFLite files only)
};
std::string_view runtime_name(RuntimeKind kind);  // "ort", "ref", "tflite"
// Parses "ort"/"ref"/"tflite"; error lists the choices.
Expected<RuntimeKind> runtime_from_name(std::string_view name);

class ModelRunner {
 public:
  virtual ~ModelRunner() = default;
  virtual const std::vector<TensorSpec>& inputs() const = 0;
  virtual const std::vector<TensorSpec>& outputs() const = 0;
  // One tensor per input in order; inputs already match inputs() (see check_input).
  virtual Expected<std::vector<Tensor>> run(const std::vector<Tensor>& inputs) = 0;
  // What runs it, for runtime lines ("TensorFlow Lite 2.9.0 (XNNPACK delegate ...)").
  virtual std::string description() const = 0;
};

Expected<std::unique_ptr<ModelRunner>> open_runner(const ModelFile& file, RuntimeKind kind,
                                                   int threads);

// Dtype, rank and known dims of `tensor` against `spec`; the error names the input.
Status check_input(const TensorSpec& spec, const Tensor& tensor);

struct BatchedResult {
  std::vector<Tensor> outputs;      // one per model output
  int64_t rows_run_separately = 0;  // N when the batch was split row by row, else 0
};

// Runs `inputs` through `runner`. When an input's spec has a fixed leading dim of 1 and the
// tensor has N > 1 rows (and otherwise matches), runs the N rows one at a time and concatenates
// the outputs along axis 0.
Expected<BatchedResult> run_batched(ModelRunner& runner, const std::vector<Tensor>& inputs);

}  // namespace mconv::cli
