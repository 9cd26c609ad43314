// Native TensorFlow Lite 2.9 (in-process, XNNPACK) behind the Runtime interface.
#include "runtimes/adapters.h"
#include "tflite_runtime/tflite_session.h"

namespace mconv::runtimes::detail {
namespace {

class TfliteRuntime final : public Runtime {
 public:
  explicit TfliteRuntime(std::unique_ptr<tflite_runtime::TfLiteSession> session)
      : session_(std::move(session)) {}
  RuntimeKind kind() const override { return RuntimeKind::kTflite; }
  std::string description() const override {
    return "TensorFlow Lite " + tflite_runtime::tflite_version() + " (" + session_->execution() +
           ")";
  }
  const std::vector<TensorSpec>& inputs() const override { return session_->inputs(); }
  const std::vector<TensorSpec>& outputs() const override { return session_->outputs(); }
  // run_batch: stacked samples for a batch-1 input, and f32 data for an integer input quantized
  // with the file's own parameters (what a verification batch of images needs).
  Expected<std::vector<Tensor>> run(const std::vector<Tensor>& inputs) override {
    return session_->run_batch(inputs);
  }
  bool takes_stacked_samples() const override { return true; }

 private:
  std::unique_ptr<tflite_runtime::TfLiteSession> session_;  // the native TFLite interpreter
};

}  // namespace

Expected<std::unique_ptr<Runtime>> open_tflite(const std::string& path,
                                               const RuntimeOptions& options) {
  MCONV_ASSIGN_OR_RETURN(auto session,
                         tflite_runtime::TfLiteSession::Load(path, {.threads = options.threads}));
  return std::unique_ptr<Runtime>(std::make_unique<TfliteRuntime>(std::move(session)));
}

}  // namespace mconv::runtimes::detail
