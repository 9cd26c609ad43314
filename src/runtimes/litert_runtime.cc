// LiteRT (LiteRT.js under Node) behind the Runtime interface. Every run() or time_runs() is one
// Node process (startup ~0.5 s), so callers hand it all samples at once (takes_stacked_samples).
#include "litert/litert.h"
#include "runtimes/adapters.h"

namespace mconv::runtimes::detail {
namespace {

class LiteRtRuntime final : public Runtime {
 public:
  LiteRtRuntime(std::string path, litert::LiteRtModelInfo info, const RuntimeOptions& options)
      : path_(std::move(path)), info_(std::move(info)), options_{.threads = options.threads} {}
  RuntimeKind kind() const override { return RuntimeKind::kLitert; }
  std::string description() const override { return "LiteRT (" + options_.engine + ")"; }
  const std::vector<TensorSpec>& inputs() const override { return info_.inputs; }
  const std::vector<TensorSpec>& outputs() const override { return info_.outputs; }
  Expected<std::vector<Tensor>> run(const std::vector<Tensor>& inputs) override {
    return litert::litert_run(path_, inputs, options_);
  }
  bool takes_stacked_samples() const override { return true; }
  Expected<RunTiming> time_runs(const std::vector<Tensor>& inputs, int warmup, int runs,
                                const std::function<void()>& /*after_each_run*/) override {
    MCONV_ASSIGN_OR_RETURN(litert::LiteRtTiming t,
                           litert::litert_time(path_, inputs, warmup, runs, options_));
    options_.engine = t.engine;  // "tfjs" when LiteRT itself gave way (engine "auto" only)
    return RunTiming{.startup_ms = t.runtime_init_ms,
                     .load_ms = t.load_ms,
                     .first_ms = t.first_ms,
                     .times_ms = t.times_ms,
                     .peak_rss_bytes = t.peak_rss_bytes};
  }

 private:
  std::string path_;               // the .tflite the Node process reads
  litert::LiteRtModelInfo info_;   // its signature as LiteRT reports it
  litert::LiteRtOptions options_;  // threads, engine
};

}  // namespace

Expected<std::unique_ptr<Runtime>> open_litert(const std::string& path,
                                               const RuntimeOptions& options) {
  std::string why;
  if (!litert::litert_available(&why)) return Status::Error("LiteRT not available: " + why);
  MCONV_ASSIGN_OR_RETURN(litert::LiteRtModelInfo info, litert::litert_info(path));
  return std::unique_ptr<Runtime>(std::make_unique<LiteRtRuntime>(path, std::move(info), options));
}

}  // namespace mconv::runtimes::detail
