// Running a batch of N through a Runtime whatever batch the model takes: inputs checked against
// the signature, and the row-by-row fallback for models fixed at batch 1 fed N rows.
#pragma once

#include <cstdint>
#include <vector>

#include "core/status.h"
#include "core/tensor.h"
#include "core/tensor_spec.h"
#include "runtimes/runtime.h"

namespace mconv::runtimes {

// Dtype, rank and known dims of `tensor` against `spec`; the error names the input.
Status check_input(const TensorSpec& spec, const Tensor& tensor);

struct BatchedResult {
  std::vector<Tensor> outputs;      // one per model output
  int64_t rows_run_separately = 0;  // N when the batch was split row by row, else 0
};

// Runs `inputs` through `runtime`. When an input's spec has a fixed leading dim of 1 and the
// tensor has N > 1 rows (and otherwise matches), the runtime takes the stacked rows itself when
// it can (takes_stacked_samples), else the N rows run one at a time and the outputs are
// concatenated along axis 0.
Expected<BatchedResult> run_batched(Runtime& runtime, const std::vector<Tensor>& inputs);

}  // namespace mconv::runtimes
