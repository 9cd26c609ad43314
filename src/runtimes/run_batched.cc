#include "runtimes/run_batched.h"

#include <algorithm>

#include "core/bytes.h"

namespace mconv::runtimes {
namespace {

// Rows [row, row+1) of `t` along axis 0.
Tensor slice_row(const Tensor& t, int64_t row) {
  std::vector<int64_t> shape = t.shape();
  size_t row_bytes = t.byte_size() / static_cast<size_t>(shape[0]);
  shape[0] = 1;
  Tensor out(t.dtype(), shape);
  copy_bytes(out.raw(), t.raw() + row * row_bytes, row_bytes);
  return out;
}

// Concatenates same-typed tensors along axis 0.
Expected<Tensor> concat_rows(const std::vector<Tensor>& parts, const std::string& name) {
  const Tensor& first = parts.front();
  if (first.rank() == 0)
    return Status::Error("output '" + name + "' is a scalar, cannot stack per-row results");
  std::vector<int64_t> shape = first.shape();
  shape[0] = 0;
  for (const Tensor& p : parts) {
    bool same_tail = p.rank() == first.rank() && p.dtype() == first.dtype() &&
                     std::equal(p.shape().begin() + 1, p.shape().end(), first.shape().begin() + 1);
    if (!same_tail)
      return Status::Error("output '" + name + "' changes shape between rows (" + first.describe() +
                           " vs " + p.describe() + ")");
    shape[0] += p.dim(0);
  }
  std::vector<uint8_t> bytes;
  for (const Tensor& p : parts) bytes.insert(bytes.end(), p.bytes().begin(), p.bytes().end());
  return Tensor::FromBytes(first.dtype(), shape, std::move(bytes));
}

// True when `t` is `spec` with a batch of N > 1 in place of a fixed leading 1.
bool is_stacked_batch(const TensorSpec& spec, const Tensor& t) {
  if (!spec.has_shape || spec.shape.empty() || spec.shape[0] != 1) return false;
  if (t.rank() != static_cast<int>(spec.shape.size()) || t.dim(0) <= 1) return false;
  for (size_t d = 1; d < spec.shape.size(); ++d)
    if (spec.shape[d] >= 0 && spec.shape[d] != t.dim(static_cast<int>(d))) return false;
  return t.dtype() == spec.dtype;
}

}  // namespace

Status check_input(const TensorSpec& spec, const Tensor& tensor) {
  auto mismatch = [&](const std::string& what) {
    return Status::Error("input '" + spec.name + "': " + what + ": model wants " +
                         spec_type_string(spec) + ", got " + tensor.describe());
  };
  if (tensor.dtype() != spec.dtype) return mismatch("wrong element type");
  if (!spec.has_shape) return Status::Ok();
  if (tensor.rank() != static_cast<int>(spec.shape.size())) return mismatch("wrong rank");
  for (size_t d = 0; d < spec.shape.size(); ++d)
    if (spec.shape[d] >= 0 && spec.shape[d] != tensor.dim(static_cast<int>(d)))
      return mismatch("wrong size of dim " + std::to_string(d));
  return Status::Ok();
}

Expected<BatchedResult> run_batched(Runtime& runtime, const std::vector<Tensor>& inputs) {
  const auto& specs = runtime.inputs();
  if (inputs.size() != specs.size())
    return Status::Error("model has " + std::to_string(specs.size()) + " input(s), got " +
                         std::to_string(inputs.size()));
  int64_t rows = 0;
  std::vector<bool> split(inputs.size(), false);
  for (size_t i = 0; i < inputs.size(); ++i) {
    if (check_input(specs[i], inputs[i]).ok()) continue;
    if (!is_stacked_batch(specs[i], inputs[i])) return check_input(specs[i], inputs[i]);
    if (rows && rows != inputs[i].dim(0))
      return Status::Error("inputs have different batch sizes (" + std::to_string(rows) + " and " +
                           std::to_string(inputs[i].dim(0)) + ")");
    rows = inputs[i].dim(0);
    split[i] = true;
  }

  BatchedResult result;
  if (rows == 0 || runtime.takes_stacked_samples()) {
    MCONV_ASSIGN_OR_RETURN(result.outputs, runtime.run(inputs));
    result.rows_run_separately = rows;  // a runtime taking stacked rows runs them one by one
    return result;
  }
  // The model takes one row at a time: run each row and stack the results.
  std::vector<std::vector<Tensor>> per_output(runtime.outputs().size());
  for (int64_t r = 0; r < rows; ++r) {
    std::vector<Tensor> row_inputs;
    for (size_t i = 0; i < inputs.size(); ++i)
      row_inputs.push_back(split[i] ? slice_row(inputs[i], r) : inputs[i]);
    auto outs = runtime.run(row_inputs);
    if (!outs.ok()) return outs.status().with_context("row " + std::to_string(r));
    if (outs->size() != per_output.size())
      return Status::Error("runtime returned " + std::to_string(outs->size()) +
                           " outputs, model has " + std::to_string(per_output.size()));
    for (size_t o = 0; o < outs->size(); ++o) per_output[o].push_back(std::move((*outs)[o]));
  }
  for (size_t o = 0; o < per_output.size(); ++o) {
    MCONV_ASSIGN_OR_RETURN(Tensor stacked, concat_rows(per_output[o], runtime.outputs()[o].name));
    result.outputs.push_back(std::move(stacked));
  }
  result.rows_run_separately = rows;
  return result;
}

}  // namespace mconv::runtimes
