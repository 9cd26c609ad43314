#include "ort/ort_session.h"

#include <filesystem>

#include "ort/ort_env.h"
#include "ort/ort_types.h"

namespace mconv::ort {

std::string onnxruntime_version() {
  std::string version;
  Status status = catch_ort_errors([&] {
    version = Ort::GetVersionString();
    return Status::Ok();
  });
  return status.ok() ? version : "unknown";
}

namespace {

// Reads one input/output description; fails for non-tensors and element types mconv lacks.
Status read_signature(const Ort::TypeInfo& info, const std::string& name, const char* role,
                      TensorSpec* out) {
  if (info.GetONNXType() != ONNX_TYPE_TENSOR)
    return Status::Error(std::string(role) + " '" + name +
                         "' is not a tensor (sequences, maps and optionals are not supported)");
  auto tensor_info = info.GetTensorTypeAndShapeInfo();
  ONNXTensorElementDataType ort_type = tensor_info.GetElementType();
  out->name = name;
  out->dtype = dtype_from_ort(ort_type);
  if (out->dtype == DType::kUndefined)
    return Status::Error(std::string(role) + " '" + name + "' has element type " +
                         ort_type_name(ort_type) + ", which mconv does not support");
  out->shape = tensor_info.GetShape();
  out->dim_names.clear();
  for (const char* symbol : tensor_info.GetSymbolicDimensions())
    out->dim_names.emplace_back(symbol ? symbol : "");
  out->dim_names.resize(out->shape.size());
  for (int64_t& d : out->shape)
    if (d < 0) d = -1;
  return Status::Ok();
}

// Dtype, rank and every known dim must match; dynamic dims take any size.
Status check_input(const TensorSpec& sig, size_t index, const Tensor& tensor) {
  auto mismatch = [&](const std::string& what) {
    return Status::Error("input '" + sig.name + "' (#" + std::to_string(index) + "): " + what +
                         ": expected " + spec_type_string(sig) + ", got " + tensor.describe());
  };
  if (tensor.dtype() != sig.dtype) return mismatch("wrong element type");
  if (tensor.shape().size() != sig.shape.size()) return mismatch("wrong rank");
  for (size_t d = 0; d < sig.shape.size(); ++d)
    if (sig.shape[d] >= 0 && sig.shape[d] != tensor.shape()[d])
      return mismatch("wrong size of dim " + std::to_string(d));
  if (tensor.element_count() < 0 ||
      tensor.byte_size() != static_cast<size_t>(tensor.element_count()) * dtype_size(sig.dtype))
    return mismatch("tensor data does not match its shape");
  return Status::Ok();
}

class OrtSessionImpl final : public OrtSession {
 public:
  const std::vector<TensorSpec>& inputs() const override { return inputs_; }
  const std::vector<TensorSpec>& outputs() const override { return outputs_; }

  // Creates the session from a path or from bytes (exactly one of them is set).
  static Expected<std::unique_ptr<OrtSession>> Create(const std::string* path,
                                                      const std::vector<uint8_t>* bytes,
                                                      const OrtOptions& options) {
    if (options.threads < 1)
      return Status::Error("threads must be >= 1, got " + std::to_string(options.threads));
    MCONV_ASSIGN_OR_RETURN(Ort::Env * env, global_env());
    auto impl = std::unique_ptr<OrtSessionImpl>(new OrtSessionImpl());
    Status status = catch_ort_errors([&] {
      Ort::SessionOptions session_options;
      session_options.SetIntraOpNumThreads(options.threads);
      // mconv runs one model at a time; a second pool would only compete for the cores.
      session_options.SetInterOpNumThreads(1);
      session_options.SetExecutionMode(ORT_SEQUENTIAL);
      session_options.SetGraphOptimizationLevel(options.enable_optimizations ? ORT_ENABLE_ALL
                                                                             : ORT_DISABLE_ALL);
      if (path) {
        impl->session_ = Ort::Session(*env, path->c_str(), session_options);
      } else {
        impl->session_ = Ort::Session(*env, bytes->data(), bytes->size(), session_options);
      }
      return impl->read_signatures();
    });
    if (!status.ok()) return status;
    return std::unique_ptr<OrtSession>(std::move(impl));
  }

  Expected<std::vector<Tensor>> run(const std::vector<Tensor>& inputs) override {
    if (inputs.size() != inputs_.size())
      return Status::Error("model has " + std::to_string(inputs_.size()) + " input(s), got " +
                           std::to_string(inputs.size()));
    for (size_t i = 0; i < inputs.size(); ++i)
      MCONV_RETURN_IF_ERROR(check_input(inputs_[i], i, inputs[i]));

    std::vector<Tensor> results;
    Status status = catch_ort_errors([&] {
      auto memory = Ort::MemoryInfo::CreateCpu(OrtArenaAllocator, OrtMemTypeDefault);
      std::vector<Ort::Value> values;
      values.reserve(inputs.size());
      // A zero-element tensor still needs a non-null buffer pointer.
      static uint8_t empty_buffer[1];
      for (size_t i = 0; i < inputs.size(); ++i) {
        const Tensor& t = inputs[i];
        // ORT only reads inputs; its API takes a non-const pointer for both directions.
        void* data = t.byte_size() ? const_cast<uint8_t*>(t.raw()) : empty_buffer;
        values.push_back(Ort::Value::CreateTensor(memory, data, t.byte_size(), t.shape().data(),
                                                  t.shape().size(), dtype_to_ort(t.dtype())));
      }
      std::vector<Ort::Value> outs =
          session_.Run(Ort::RunOptions{nullptr}, input_names_.data(), values.data(), values.size(),
                       output_names_.data(), output_names_.size());
      for (size_t i = 0; i < outs.size(); ++i) {
        MCONV_ASSIGN_OR_RETURN(Tensor t, to_tensor(outs[i], outputs_[i]));
        results.push_back(std::move(t));
      }
      return Status::Ok();
    });
    if (!status.ok()) return status;
    return results;
  }

 private:
  OrtSessionImpl() = default;

  Status read_signatures() {
    Ort::AllocatorWithDefaultOptions allocator;
    for (size_t i = 0; i < session_.GetInputCount(); ++i) {
      TensorSpec sig;
      std::string name = session_.GetInputNameAllocated(i, allocator).get();
      MCONV_RETURN_IF_ERROR(read_signature(session_.GetInputTypeInfo(i), name, "input", &sig));
      inputs_.push_back(std::move(sig));
    }
    for (size_t i = 0; i < session_.GetOutputCount(); ++i) {
      TensorSpec sig;
      std::string name = session_.GetOutputNameAllocated(i, allocator).get();
      MCONV_RETURN_IF_ERROR(read_signature(session_.GetOutputTypeInfo(i), name, "output", &sig));
      outputs_.push_back(std::move(sig));
    }
    // The name arrays point into the signatures, which no longer change.
    for (const auto& s : inputs_) input_names_.push_back(s.name.c_str());
    for (const auto& s : outputs_) output_names_.push_back(s.name.c_str());
    return Status::Ok();
  }

  static Expected<Tensor> to_tensor(const Ort::Value& value, const TensorSpec& sig) {
    if (!value.IsTensor()) return Status::Error("output '" + sig.name + "' is not a tensor");
    auto info = value.GetTensorTypeAndShapeInfo();
    DType dtype = dtype_from_ort(info.GetElementType());
    if (dtype == DType::kUndefined)
      return Status::Error("output '" + sig.name + "' has element type " +
                           ort_type_name(info.GetElementType()) + ", which mconv does not support");
    size_t size = value.GetTensorSizeInBytes();
    const auto* data = static_cast<const uint8_t*>(value.GetTensorRawData());
    std::vector<uint8_t> bytes(data, data + (data ? size : 0));
    auto tensor = Tensor::FromBytes(dtype, info.GetShape(), std::move(bytes));
    if (!tensor.ok()) return tensor.status().with_context("output '" + sig.name + "'");
    return tensor;
  }

  Ort::Session session_{nullptr};          // the loaded model
  std::vector<TensorSpec> inputs_;         // graph inputs in order
  std::vector<TensorSpec> outputs_;        // graph outputs in order
  std::vector<const char*> input_names_;   // inputs_[i].name as C strings, for Run
  std::vector<const char*> output_names_;  // outputs_[i].name as C strings, for Run
};

}  // namespace

Expected<std::unique_ptr<OrtSession>> OrtSession::Load(const std::string& path,
                                                       const OrtOptions& options) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return Status::Error("no such file");
  if (!std::filesystem::is_regular_file(path, ec)) return Status::Error("not a regular file");
  // ORT's own reader resolves external-data files relative to the model path.
  return OrtSessionImpl::Create(&path, nullptr, options);
}

Expected<std::unique_ptr<OrtSession>> OrtSession::LoadBytes(const std::vector<uint8_t>& bytes,
                                                            const OrtOptions& options) {
  if (bytes.empty()) return Status::Error("empty model");
  return OrtSessionImpl::Create(nullptr, &bytes, options);
}

}  // namespace mconv::ort
