// mconv's reference interpreter behind the Runtime interface.
#include "runtime/interpreter.h"
#include "runtimes/adapters.h"

namespace mconv::runtimes::detail {
namespace {

class ReferenceRuntime final : public Runtime {
 public:
  // The interpreter keeps a reference to the graph, so an owned model lives here beside it.
  static Expected<std::unique_ptr<Runtime>> Create(std::unique_ptr<ir::Model> owned,
                                                   const ir::Graph* borrowed, int threads) {
    auto runtime = std::unique_ptr<ReferenceRuntime>(new ReferenceRuntime());
    runtime->model_ = std::move(owned);
    const ir::Graph& graph = runtime->model_ ? runtime->model_->graph : *borrowed;
    MCONV_ASSIGN_OR_RETURN(runtime->interpreter_,
                           runtime::Interpreter::Create(graph, {.threads = threads}));
    runtime->inputs_ = specs_of(graph.inputs);
    runtime->outputs_ = specs_of(graph.outputs);
    return std::unique_ptr<Runtime>(std::move(runtime));
  }
  RuntimeKind kind() const override { return RuntimeKind::kRef; }
  std::string description() const override { return "mconv reference interpreter"; }
  const std::vector<TensorSpec>& inputs() const override { return inputs_; }
  const std::vector<TensorSpec>& outputs() const override { return outputs_; }
  Expected<std::vector<Tensor>> run(const std::vector<Tensor>& inputs) override {
    return interpreter_->run(inputs);
  }

 private:
  ReferenceRuntime() = default;
  std::unique_ptr<ir::Model> model_;                   // the model it runs, when owned
  std::unique_ptr<runtime::Interpreter> interpreter_;  // the reference interpreter
  std::vector<TensorSpec> inputs_;                     // graph inputs
  std::vector<TensorSpec> outputs_;                    // graph outputs
};

}  // namespace

Expected<std::unique_ptr<Runtime>> open_reference(std::unique_ptr<ir::Model> owned,
                                                  const ir::Graph* borrowed,
                                                  const RuntimeOptions& options) {
  return ReferenceRuntime::Create(std::move(owned), borrowed, options.threads);
}

}  // namespace mconv::runtimes::detail
