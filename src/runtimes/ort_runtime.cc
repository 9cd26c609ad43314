// ONNX Runtime behind the Runtime interface.
#include "ort/ort_session.h"
#include "runtimes/adapters.h"

namespace mconv::runtimes::detail {
namespace {

class OrtRuntime final : public Runtime {
 public:
  explicit OrtRuntime(std::unique_ptr<ort::OrtSession> session) : session_(std::move(session)) {}
  RuntimeKind kind() const override { return RuntimeKind::kOrt; }
  std::string description() const override { return "onnxruntime " + ort::onnxruntime_version(); }
  const std::vector<TensorSpec>& inputs() const override { return session_->inputs(); }
  const std::vector<TensorSpec>& outputs() const override { return session_->outputs(); }
  Expected<std::vector<Tensor>> run(const std::vector<Tensor>& inputs) override {
    return session_->run(inputs);
  }

 private:
  std::unique_ptr<ort::OrtSession> session_;  // the ONNX Runtime session
};

}  // namespace

Expected<std::unique_ptr<Runtime>> open_ort(const std::string& path,
                                            const RuntimeOptions& options) {
  MCONV_ASSIGN_OR_RETURN(auto session, ort::OrtSession::Load(path, {.threads = options.threads}));
  return std::unique_ptr<Runtime>(std::make_unique<OrtRuntime>(std::move(session)));
}

}  // namespace mconv::runtimes::detail
