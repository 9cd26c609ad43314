#include "tflite_runtime/tflite_session.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdarg>
#include <cstdio>
#include <mutex>

#include "core/bytes.h"
#include "core/file_io.h"
#include "tensorflow/lite/c/c_api.h"
#include "tflite/tflite_importer.h"
#include "tflite_runtime/xnnpack_delegate_abi.h"

namespace mconv::tflite_runtime {
namespace {

DType dtype_from_tflite(TfLiteType t) {
  switch (t) {
    case kTfLiteFloat32:
      return DType::kF32;
    case kTfLiteFloat16:
      return DType::kF16;
    case kTfLiteInt8:
      return DType::kI8;
    case kTfLiteUInt8:
      return DType::kU8;
    case kTfLiteInt16:
      return DType::kI16;
    case kTfLiteInt32:
      return DType::kI32;
    case kTfLiteInt64:
      return DType::kI64;
    case kTfLiteBool:
      return DType::kBool;
    default:
      return DType::kUndefined;
  }
}

// TFLite's error reporter writes here instead of stderr; messages are folded into one line.
struct ErrorSink {
  std::string text;
  static void report(void* user_data, const char* format, va_list args) {
    auto* sink = static_cast<ErrorSink*>(user_data);
    char buf[1024];
    std::vsnprintf(buf, sizeof buf, format, args);
    std::string line(buf);
    std::replace(line.begin(), line.end(), '\n', ' ');
    while (!line.empty() && line.back() == ' ') line.pop_back();
    if (line.empty()) return;
    if (!sink->text.empty()) sink->text += "; ";
    sink->text += line;
  }
  // The collected messages (or `fallback` when TFLite said nothing), then cleared.
  std::string take(const std::string& fallback) {
    std::string s = text.empty() ? fallback : text;
    text.clear();
    return s;
  }
};

std::vector<int64_t> dims_of(const TfLiteIntArray* a) {
  std::vector<int64_t> d;
  if (a)
    for (int i = 0; i < a->size; ++i) d.push_back(a->data[i]);
  return d;
}

TensorSpec spec_of(const TfLiteTensor* t) {
  TensorSpec s;
  s.name = TfLiteTensorName(t) ? TfLiteTensorName(t) : "";
  s.dtype = dtype_from_tflite(TfLiteTensorType(t));
  // shape_signature (-1 = dynamic) when the file has one, else the static shape.
  s.shape = t->dims_signature && t->dims_signature->size > 0 ? dims_of(t->dims_signature)
                                                             : dims_of(t->dims);
  if (t->quantization.type == kTfLiteAffineQuantization && t->quantization.params) {
    const auto* q = static_cast<const TfLiteAffineQuantization*>(t->quantization.params);
    if (q->scale)
      for (int i = 0; i < q->scale->size; ++i) s.scale.push_back(q->scale->data[i]);
    if (q->zero_point)
      for (int i = 0; i < q->zero_point->size; ++i) s.zero_point.push_back(q->zero_point->data[i]);
  }
  if (s.shape.size() == 4) s.layout = s.shape[3] == 3 ? "NHWC" : s.shape[1] == 3 ? "NCHW" : "";
  return s;
}

// x -> clamp(round(x / scale) + zero_point) as the LiteRT runner does (round half up).
template <typename T>
Tensor quantize_as(const Tensor& x, float scale, int64_t zero_point, DType dtype) {
  Tensor out(dtype, x.shape());
  const std::vector<float> v = x.to_f32();
  T* dst = out.data<T>();
  const double lo = std::numeric_limits<T>::min(), hi = std::numeric_limits<T>::max();
  for (size_t i = 0; i < v.size(); ++i) {
    const double q = std::floor(static_cast<double>(v[i]) / scale + 0.5) + zero_point;
    dst[i] = static_cast<T>(std::clamp(q, lo, hi));
  }
  return out;
}

Tensor row_of(const Tensor& t, int64_t row) {
  std::vector<int64_t> shape = t.shape();
  const size_t row_bytes = t.byte_size() / static_cast<size_t>(shape[0]);
  shape[0] = 1;
  Tensor out(t.dtype(), shape);
  copy_bytes(out.raw(), t.raw() + row * row_bytes, row_bytes);
  return out;
}

// TFLite 2.9 logs "INFO: Created TensorFlow Lite XNNPACK delegate for CPU." to stderr once per
// process, with no switch in the C API. The first delegate is created (and dropped) here with
// stderr pointed at /dev/null so mconv's terminal output stays its own; later ones are silent.
void create_first_delegate_quietly() {
  static std::once_flag once;
  std::call_once(once, [] {
    std::fflush(stderr);
    const int saved = ::dup(STDERR_FILENO);
    const int null_fd = ::open("/dev/null", O_WRONLY | O_CLOEXEC);
    if (saved < 0 || null_fd < 0) {
      if (saved >= 0) ::close(saved);
      if (null_fd >= 0) ::close(null_fd);
      return;
    }
    ::dup2(null_fd, STDERR_FILENO);
    MconvXnnpackDelegateOptions options = TfLiteXNNPackDelegateOptionsDefault();
    if (TfLiteDelegate* d = TfLiteXNNPackDelegateCreate(&options)) TfLiteXNNPackDelegateDelete(d);
    std::fflush(stderr);
    ::dup2(saved, STDERR_FILENO);
    ::close(saved);
    ::close(null_fd);
  });
}

class TfLiteSessionImpl final : public TfLiteSession {
 public:
  ~TfLiteSessionImpl() override {
    // The interpreter first: it uses the delegate and the model's buffers.
    if (interpreter_) TfLiteInterpreterDelete(interpreter_);
    if (delegate_) TfLiteXNNPackDelegateDelete(delegate_);
    if (model_) TfLiteModelDelete(model_);
  }

  Status init(std::vector<uint8_t> bytes, const TfLiteOptions& options, const std::string& name) {
    name_ = name;
    bytes_ = std::move(bytes);
    MCONV_RETURN_IF_ERROR(tflite::read_tflite_file_info(bytes_, name_).status());
    model_ = TfLiteModelCreate(bytes_.data(), bytes_.size());
    if (!model_) return Status::Error(name_ + ": TensorFlow Lite cannot read the model");
    const int threads = std::max(1, options.threads);
    std::string no_delegate;
    if (options.xnnpack) {
      create_first_delegate_quietly();
      MconvXnnpackDelegateOptions xnn = TfLiteXNNPackDelegateOptionsDefault();
      xnn.num_threads = threads;
      if (options.xnnpack_int8) xnn.flags |= kXnnpackFlagQs8 | kXnnpackFlagQu8;
      delegate_ = TfLiteXNNPackDelegateCreate(&xnn);
      if (!delegate_) no_delegate = "the XNNPACK delegate could not be created";
    }
    if (delegate_) {
      interpreter_ = create_interpreter(threads, delegate_);
      if (!interpreter_) {
        // XNNPACK refused the graph: TFLite's own kernels, and execution() says why.
        no_delegate = "XNNPACK refused it: " + sink_->take("no reason given");
        TfLiteXNNPackDelegateDelete(delegate_);
        delegate_ = nullptr;
      }
    }
    if (!interpreter_) interpreter_ = create_interpreter(threads, nullptr);
    if (!interpreter_)
      return Status::Error(
          name_ + ": TensorFlow Lite refused the model: " + sink_->take("interpreter not created"));
    if (TfLiteInterpreterAllocateTensors(interpreter_) != kTfLiteOk)
      return Status::Error(
          name_ + ": TensorFlow Lite cannot allocate tensors: " + sink_->take("no reason given"));
    const std::string threads_text = std::to_string(threads) + " thread" + (threads > 1 ? "s" : "");
    if (delegate_)
      execution_ = std::string("XNNPACK delegate (int8 ") + (options.xnnpack_int8 ? "on" : "off") +
                   "), " + threads_text;
    else
      execution_ = "built-in kernels, " + threads_text +
                   (no_delegate.empty() ? std::string() : " (" + no_delegate + ")");
    for (int i = 0; i < TfLiteInterpreterGetInputTensorCount(interpreter_); ++i)
      inputs_.push_back(spec_of(TfLiteInterpreterGetInputTensor(interpreter_, i)));
    for (int i = 0; i < TfLiteInterpreterGetOutputTensorCount(interpreter_); ++i)
      outputs_.push_back(spec_of(TfLiteInterpreterGetOutputTensor(interpreter_, i)));
    return Status::Ok();
  }

  const std::vector<TensorSpec>& inputs() const override { return inputs_; }
  const std::vector<TensorSpec>& outputs() const override { return outputs_; }
  const std::string& execution() const override { return execution_; }

  Expected<std::vector<Tensor>> run(const std::vector<Tensor>& inputs) override {
    if (inputs.size() != inputs_.size())
      return Status::Error(name_ + ": model has " + std::to_string(inputs_.size()) +
                           " input(s), got " + std::to_string(inputs.size()));
    bool resized = false;
    for (size_t i = 0; i < inputs.size(); ++i) {
      const TensorSpec& spec = inputs_[i];
      const Tensor& x = inputs[i];
      if (x.dtype() != spec.dtype || !shape_fits(spec, x.shape()))
        return Status::Error(name_ + ": input '" + spec.name + "': model wants " +
                             spec_type_string(spec) + ", got " + x.describe());
      const TfLiteTensor* t = TfLiteInterpreterGetInputTensor(interpreter_, static_cast<int>(i));
      if (dims_of(t->dims) == x.shape()) continue;
      std::vector<int> dims(x.shape().begin(), x.shape().end());
      if (TfLiteInterpreterResizeInputTensor(interpreter_, static_cast<int>(i), dims.data(),
                                             static_cast<int>(dims.size())) != kTfLiteOk)
        return Status::Error(name_ + ": cannot resize input '" + spec.name + "' to " +
                             x.describe() + ": " + sink_->take("TensorFlow Lite refused"));
      resized = true;
    }
    if (resized && TfLiteInterpreterAllocateTensors(interpreter_) != kTfLiteOk)
      return Status::Error(name_ + ": cannot allocate tensors for the new input shape: " +
                           sink_->take("TensorFlow Lite refused"));
    for (size_t i = 0; i < inputs.size(); ++i) {
      TfLiteTensor* t = TfLiteInterpreterGetInputTensor(interpreter_, static_cast<int>(i));
      if (TfLiteTensorCopyFromBuffer(t, inputs[i].raw(), inputs[i].byte_size()) != kTfLiteOk)
        return Status::Error(name_ + ": input '" + inputs_[i].name + "' has " +
                             std::to_string(inputs[i].byte_size()) + " bytes, the tensor " +
                             std::to_string(TfLiteTensorByteSize(t)));
    }
    if (TfLiteInterpreterInvoke(interpreter_) != kTfLiteOk)
      return Status::Error(name_ + ": inference failed: " + sink_->take("no reason given"));
    std::vector<Tensor> outs;
    for (size_t o = 0; o < outputs_.size(); ++o) {
      const TfLiteTensor* t = TfLiteInterpreterGetOutputTensor(interpreter_, static_cast<int>(o));
      const DType dtype = dtype_from_tflite(TfLiteTensorType(t));
      if (dtype == DType::kUndefined)
        return Status::Error(name_ + ": output '" + outputs_[o].name + "' has type " +
                             TfLiteTypeGetName(TfLiteTensorType(t)) + ", which mconv lacks");
      Tensor out(dtype, dims_of(t->dims));
      if (out.byte_size() != TfLiteTensorByteSize(t) ||
          TfLiteTensorCopyToBuffer(t, out.raw(), out.byte_size()) != kTfLiteOk)
        return Status::Error(name_ + ": output '" + outputs_[o].name + "' cannot be read");
      outs.push_back(std::move(out));
    }
    return outs;
  }

  Expected<std::vector<Tensor>> run_batch(const std::vector<Tensor>& given) override {
    if (given.size() != inputs_.size())
      return Status::Error(name_ + ": model has " + std::to_string(inputs_.size()) +
                           " input(s), got " + std::to_string(given.size()));
    std::vector<Tensor> inputs;
    int64_t rows = 0;  // N when the inputs are N stacked samples of a batch-1 model
    for (size_t i = 0; i < given.size(); ++i) {
      const TensorSpec& spec = inputs_[i];
      Tensor x = given[i];
      if (x.dtype() == DType::kF32 && spec.quantized() &&
          (spec.dtype == DType::kI8 || spec.dtype == DType::kU8)) {
        x = spec.dtype == DType::kI8
                ? quantize_as<int8_t>(x, spec.scale[0], spec.zero_point[0], spec.dtype)
                : quantize_as<uint8_t>(x, spec.scale[0], spec.zero_point[0], spec.dtype);
      }
      if (!spec.shape.empty() && spec.shape[0] == 1 &&
          x.rank() == static_cast<int>(spec.shape.size()) && x.dim(0) > 1) {
        if (rows && rows != x.dim(0))
          return Status::Error(name_ + ": inputs have different batch sizes");
        rows = x.dim(0);
      }
      inputs.push_back(std::move(x));
    }
    if (rows == 0) return run(inputs);
    std::vector<std::vector<Tensor>> per_output(outputs_.size());
    for (int64_t r = 0; r < rows; ++r) {
      std::vector<Tensor> row_inputs;
      for (const Tensor& x : inputs)
        row_inputs.push_back(x.rank() > 0 && x.dim(0) == rows ? row_of(x, r) : x);
      MCONV_ASSIGN_OR_RETURN(std::vector<Tensor> outs, run(row_inputs));
      for (size_t o = 0; o < outs.size(); ++o) per_output[o].push_back(std::move(outs[o]));
    }
    std::vector<Tensor> stacked;
    for (auto& parts : per_output) {
      std::vector<int64_t> shape = parts.at(0).shape();
      if (shape.empty() || shape[0] != 1)
        return Status::Error(name_ + ": cannot stack outputs of shape " + parts[0].describe());
      shape[0] = rows;
      Tensor out(parts[0].dtype(), shape);
      const size_t row_bytes = parts[0].byte_size();
      for (int64_t r = 0; r < rows; ++r) {
        if (parts[r].byte_size() != row_bytes)
          return Status::Error(name_ + ": output shape changes between samples");
        copy_bytes(out.raw() + r * row_bytes, parts[r].raw(), row_bytes);
      }
      stacked.push_back(std::move(out));
    }
    return stacked;
  }

 private:
  TfLiteInterpreter* create_interpreter(int threads, TfLiteDelegate* delegate) {
    TfLiteInterpreterOptions* options = TfLiteInterpreterOptionsCreate();
    TfLiteInterpreterOptionsSetNumThreads(options, threads);
    TfLiteInterpreterOptionsSetErrorReporter(options, &ErrorSink::report, sink_.get());
    if (delegate) TfLiteInterpreterOptionsAddDelegate(options, delegate);
    TfLiteInterpreter* interpreter = TfLiteInterpreterCreate(model_, options);
    TfLiteInterpreterOptionsDelete(options);
    return interpreter;
  }

  std::string name_;            // file name for messages
  std::vector<uint8_t> bytes_;  // the model; TFLite reads it in place, so it lives here
  std::unique_ptr<ErrorSink> sink_ = std::make_unique<ErrorSink>();  // stable address for TFLite
  TfLiteModel* model_ = nullptr;
  TfLiteDelegate* delegate_ = nullptr;  // XNNPACK, or null when not applied
  TfLiteInterpreter* interpreter_ = nullptr;
  std::vector<TensorSpec> inputs_, outputs_;
  std::string execution_;  // how it runs, for runtime lines
};

}  // namespace

std::string tflite_version() {
  return TfLiteVersion();
}

Expected<std::unique_ptr<TfLiteSession>> TfLiteSession::Load(const std::string& path,
                                                             const TfLiteOptions& options) {
  auto bytes = read_file_bytes(path);
  if (!bytes.ok()) return bytes.status().with_context(path);
  return LoadBytes(std::move(*bytes), options, path);
}

Expected<std::unique_ptr<TfLiteSession>> TfLiteSession::LoadBytes(std::vector<uint8_t> bytes,
                                                                  const TfLiteOptions& options,
                                                                  const std::string& source_name) {
  auto session = std::make_unique<TfLiteSessionImpl>();
  MCONV_RETURN_IF_ERROR(
      session->init(std::move(bytes), options, source_name.empty() ? "<tflite>" : source_name));
  return std::unique_ptr<TfLiteSession>(std::move(session));
}

}  // namespace mconv::tflite_runtime
