#include "cli/model_runner.h"

#include <cstring>

#include "core/bytes.h"
#include "ort/ort_session.h"
#include "runtime/interpreter.h"
#include "tflite_runtime/tflite_session.h"

namespace mconv::cli {

std::string_view runtime_name(RuntimeKind kind) {
  switch (kind) {
    case RuntimeKind::kOrt:
      return "ort";
    case RuntimeKind::kTflite:
      return "tflite";
    case RuntimeKind::kRef:
      break;
  }
  return "ref";
}

Expected<RuntimeKind> runtime_from_name(std::string_view name) {
  if (name == "ort") return RuntimeKind::kOrt;
  if (name == "ref") return RuntimeKind::kRef;
  if (name == "tflite") return RuntimeKind::kTflite;
  return Status::Error("unknown runtime '" + std::string(name) + "' (choose ort, tflite or ref)");
}

namespace {

class OrtRunner final : public ModelRunner {
 public:
  explicit OrtRunner(std::unique_ptr<ort::OrtSession> session) : session_(std::move(session)) {}
  const std::vector<TensorSpec>& inputs() const override { return session_->inputs(); }
  const std::vector<TensorSpec>& outputs() const override { return session_->outputs(); }
  Expected<std::vector<Tensor>> run(const std::vector<Tensor>& inputs) override {
    return session_->run(inputs);
  }
  std::string description() const override { return "onnxruntime " + ort::onnxruntime_version(); }

 private:
  std::unique_ptr<ort::OrtSession> session_;  // the ONNX Runtime session
};

class RefRunner final : public ModelRunner {
 public:
  // The interpreter keeps a reference to the graph, so the model lives here beside it.
  static Expected<std::unique_ptr<ModelRunner>> Create(ir::Model model, int threads) {
    auto runner = std::unique_ptr<RefRunner>(new RefRunner());
    runner->model_ = std::make_unique<ir::Model>(std::move(model));
    MCONV_ASSIGN_OR_RETURN(runner->interpreter_, runtime::Interpreter::Create(
                                                     runner->model_->graph, {.threads = threads}));
    for (const ir::Value* v : runner->model_->graph.inputs) runner->inputs_.push_back(to_spec(*v));
    for (const ir::Value* v : runner->model_->graph.outputs)
      runner->outputs_.push_back(to_spec(*v));
    return std::unique_ptr<ModelRunner>(std::move(runner));
  }
  const std::vector<TensorSpec>& inputs() const override { return inputs_; }
  const std::vector<TensorSpec>& outputs() const override { return outputs_; }
  Expected<std::vector<Tensor>> run(const std::vector<Tensor>& inputs) override {
    return interpreter_->run(inputs);
  }
  std::string description() const override { return "mconv reference interpreter"; }

 private:
  RefRunner() = default;
  static TensorSpec to_spec(const ir::Value& v) {
    TensorSpec spec;
    spec.name = v.name;
    spec.dtype = v.dtype;
    spec.has_shape = v.has_shape;
    if (v.has_shape) {
      spec.shape = ir::static_dims(v.shape);
      for (const auto& d : v.shape) spec.dim_names.push_back(d.known() ? "" : d.symbol);
    }
    return spec;
  }
  std::unique_ptr<ir::Model> model_;                   // the graph the interpreter runs
  std::unique_ptr<runtime::Interpreter> interpreter_;  // the reference interpreter
  std::vector<TensorSpec> inputs_;                     // graph inputs
  std::vector<TensorSpec> outputs_;                    // graph outputs
};

class TfliteRunner final : public ModelRunner {
 public:
  explicit TfliteRunner(std::unique_ptr<tflite_runtime::TfLiteSession> session)
      : session_(std::move(session)) {}
  const std::vector<TensorSpec>& inputs() const override { return session_->inputs(); }
  const std::vector<TensorSpec>& outputs() const override { return session_->outputs(); }
  Expected<std::vector<Tensor>> run(const std::vector<Tensor>& inputs) override {
    return session_->run(inputs);
  }
  std::string description() const override {
    return "TensorFlow Lite " + tflite_runtime::tflite_version() + " (" + session_->execution() +
           ")";
  }

 private:
  std::unique_ptr<tflite_runtime::TfLiteSession> session_;  // the native TFLite interpreter
};

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

Expected<std::unique_ptr<ModelRunner>> open_runner(const ModelFile& file, RuntimeKind kind,
                                                   int threads) {
  if (kind == RuntimeKind::kOrt) {
    if (file.format != ModelFormat::kOnnx)
      return Status::Error("runtime 'ort' runs ONNX files only (this is " +
                           std::string(model_format_name(file.format)) + "; use --runtime ref)");
    MCONV_ASSIGN_OR_RETURN(auto session, ort::OrtSession::Load(file.path, {.threads = threads}));
    return std::unique_ptr<ModelRunner>(std::make_unique<OrtRunner>(std::move(session)));
  }
  if (kind == RuntimeKind::kTflite) {
    if (file.format != ModelFormat::kTflite)
      return Status::Error("runtime 'tflite' runs TFLite files only (this is " +
                           std::string(model_format_name(file.format)) + ")");
    MCONV_ASSIGN_OR_RETURN(auto session, tflite_runtime::TfLiteSession::LoadBytes(
                                             file.bytes, {.threads = threads}, file.path));
    return std::unique_ptr<ModelRunner>(std::make_unique<TfliteRunner>(std::move(session)));
  }
  MCONV_ASSIGN_OR_RETURN(ir::Model model, import_model(file));
  return RefRunner::Create(std::move(model), threads);
}

Expected<BatchedResult> run_batched(ModelRunner& runner, const std::vector<Tensor>& inputs) {
  const auto& specs = runner.inputs();
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
  if (rows == 0) {
    MCONV_ASSIGN_OR_RETURN(result.outputs, runner.run(inputs));
    return result;
  }
  // The model takes one row at a time: run each row and stack the results.
  std::vector<std::vector<Tensor>> per_output(runner.outputs().size());
  for (int64_t r = 0; r < rows; ++r) {
    std::vector<Tensor> row_inputs;
    for (size_t i = 0; i < inputs.size(); ++i)
      row_inputs.push_back(split[i] ? slice_row(inputs[i], r) : inputs[i]);
    auto outs = runner.run(row_inputs);
    if (!outs.ok()) return outs.status().with_context("row " + std::to_string(r));
    if (outs->size() != per_output.size())
      return Status::Error("runtime returned " + std::to_string(outs->size()) +
                           " outputs, model has " + std::to_string(per_output.size()));
    for (size_t o = 0; o < outs->size(); ++o) per_output[o].push_back(std::move((*outs)[o]));
  }
  for (size_t o = 0; o < per_output.size(); ++o) {
    MCONV_ASSIGN_OR_RETURN(Tensor stacked, concat_rows(per_output[o], runner.outputs()[o].name));
    result.outputs.push_back(std::move(stacked));
  }
  result.rows_run_separately = rows;
  return result;
}

}  // namespace mconv::cli
