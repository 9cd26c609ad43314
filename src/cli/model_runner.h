// One face for the runtimes `mconv run` can use (ONNX Runtime, the reference interpreter), plus
// the row-by-row fallback for batch-1 models fed a batch of N.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "core/tensor.h"
#include "pipeline/model_files.h"

namespace mconv::cli {

// The command line is a thin layer over the pipeline library and uses its names unqualified.
using namespace ::mconv::pipeline;

enum class RuntimeKind {
  kOrt,  // ONNX Runtime (ONNX files only)
  kRef,  // mconv's reference interpreter on the IR
};
std::string_view runtime_name(RuntimeKind kind);  // "ort", "ref"
// Parses "ort"/"ref"; error lists the choices.
Expected<RuntimeKind> runtime_from_name(std::string_view name);

struct IoSpec {
  std::string name;                 // graph input/output name
  DType dtype = DType::kUndefined;  // element type
  std::vector<int64_t> shape;       // -1 for unknown dims; empty with has_shape=false when unknown
  bool has_shape = true;            // false when even the rank is unknown
  std::string type_text;            // "f32[batch,3,224,224]" for messages
};

class ModelRunner {
 public:
  virtual ~ModelRunner() = default;
  virtual const std::vector<IoSpec>& inputs() const = 0;
  virtual const std::vector<IoSpec>& outputs() const = 0;
  // One tensor per input in order; inputs already match inputs() (see check_input).
  virtual Expected<std::vector<Tensor>> run(const std::vector<Tensor>& inputs) = 0;
};

Expected<std::unique_ptr<ModelRunner>> open_runner(const ModelFile& file, RuntimeKind kind,
                                                   int threads);

// Dtype, rank and known dims of `tensor` against `spec`; the error names the input.
Status check_input(const IoSpec& spec, const Tensor& tensor);

struct BatchedResult {
  std::vector<Tensor> outputs;      // one per model output
  int64_t rows_run_separately = 0;  // N when the batch was split row by row, else 0
};

// Runs `inputs` through `runner`. When an input's spec has a fixed leading dim of 1 and the
// tensor has N > 1 rows (and otherwise matches), runs the N rows one at a time and concatenates
// the outputs along axis 0.
Expected<BatchedResult> run_batched(ModelRunner& runner, const std::vector<Tensor>& inputs);

}  // namespace mconv::cli
