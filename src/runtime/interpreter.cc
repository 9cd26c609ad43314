// The graph executor: a fixed schedule of kernels over value slots. Constants and graph inputs
// are borrowed (never copied); each intermediate is freed right after its last consumer.
#include "runtime/interpreter.h"

#include <algorithm>
#include <chrono>
#include <exception>
#include <new>
#include <unordered_map>
#include <unordered_set>

#include "ir/verifier.h"
#include "runtime/kernel_registry.h"
#include "runtime/thread_pool.h"

namespace mconv::runtime {
namespace {

std::string where(const ir::Node& node) {
  return "node '" + node.name + "' (" + std::string(ir::op_name(node.op)) + ")";
}

Expected<std::unique_ptr<Kernel>> make_kernel(const ir::Node& node) {
  MCONV_RETURN_IF_ERROR(ir::check_arity(node));
  // Nodes on quantized integer values (a fully quantized TFLite graph) run integer kernels.
  KernelFactory factory = kernel_factory(node.op);
  if (is_quantized_node(node)) {
    factory = quantized_kernel_factory(node.op);
    if (!factory)
      return Status::Error(where(node) +
                           ": no integer kernel for this op on quantized int8/uint8 values");
  }
  auto kernel = factory(node);
  if (!kernel.ok()) return Status::Error(where(node) + ": " + kernel.status().message());
  return std::move(kernel).value();
}

// Runs a kernel, turning exceptions (an allocation the input shapes make impossible, say) into
// an error so none escapes the runtime.
Status run_kernel(Kernel& kernel, KernelInputs inputs, std::vector<Tensor>& outputs,
                  const ExecContext& ctx) {
  try {
    return kernel.run(inputs, outputs, ctx);
  } catch (const std::bad_alloc&) {
    return Status::Error("out of memory allocating the outputs");
  } catch (const std::exception& e) {
    return Status::Error(std::string("internal error: ") + e.what());
  }
}

// Execution order: the graph's own order when it is already topological, else a stable
// topological sort computed here (the graph is const to us).
Expected<std::vector<const ir::Node*>> schedule(const ir::Graph& graph) {
  std::unordered_set<const ir::Value*> ready(graph.inputs.begin(), graph.inputs.end());
  for (const auto& v : graph.values())
    if (v->is_constant()) ready.insert(v.get());
  std::vector<const ir::Node*> pending;
  for (const auto& n : graph.nodes()) pending.push_back(n.get());
  std::vector<const ir::Node*> order;
  order.reserve(pending.size());
  while (!pending.empty()) {
    std::vector<const ir::Node*> blocked;
    for (const ir::Node* n : pending) {
      const bool can_run = std::all_of(n->inputs.begin(), n->inputs.end(), [&](const ir::Value* v) {
        return v == nullptr || ready.count(v);
      });
      if (!can_run) {
        blocked.push_back(n);
        continue;
      }
      order.push_back(n);
      for (const ir::Value* out : n->outputs) ready.insert(out);
    }
    if (blocked.size() == pending.size()) {
      const ir::Node* n = blocked.front();
      for (const ir::Value* v : n->inputs)
        if (v && !ready.count(v))
          return Status::Error(where(*n) + ": input '" + v->name +
                               "' is never computed (not a graph input, constant or node output, "
                               "or on a cycle)");
    }
    pending = std::move(blocked);
  }
  return order;
}

class GraphInterpreter final : public Interpreter {
 public:
  explicit GraphInterpreter(const ir::Graph& graph) : graph_(graph) {}

  Status init(const InterpreterOptions& options) {
    if (options.threads < 1)
      return Status::Error("threads must be >= 1, got " + std::to_string(options.threads));
    if (options.threads > 1) pool_ = std::make_unique<ThreadPool>(options.threads);
    profiling_ = options.profile;
    integer_rounding_ = options.integer_rounding;
    MCONV_ASSIGN_OR_RETURN(std::vector<const ir::Node*> order, schedule(graph_));

    std::unordered_map<const ir::Value*, int> slot_of;
    auto slot = [&](const ir::Value* v) {
      auto [it, inserted] = slot_of.emplace(v, static_cast<int>(slot_values_.size()));
      if (inserted) slot_values_.push_back(v);
      return it->second;
    };
    for (const ir::Value* v : graph_.inputs) {
      if (v->is_constant()) return Status::Error("graph input '" + v->name + "' is a constant");
      input_slots_.push_back(slot(v));
    }
    for (const ir::Node* node : order) {
      Step step;
      step.node = node;
      MCONV_ASSIGN_OR_RETURN(step.kernel, make_kernel(*node));
      for (const ir::Value* v : node->inputs) step.inputs.push_back(v ? slot(v) : -1);
      for (const ir::Value* v : node->outputs) step.outputs.push_back(slot(v));
      steps_.push_back(std::move(step));
    }
    for (const ir::Value* v : graph_.outputs) {
      if (!slot_of.count(v) && !v->is_constant())
        return Status::Error("graph output '" + v->name + "' is never computed");
      output_slots_.push_back(slot(v));
    }
    // Last step reading each slot; node outputs nobody reads die right after their producer.
    std::vector<int> last_use(slot_values_.size(), -1);
    for (size_t i = 0; i < steps_.size(); ++i) {
      for (int s : steps_[i].outputs) last_use[s] = std::max(last_use[s], static_cast<int>(i));
      for (int s : steps_[i].inputs)
        if (s >= 0) last_use[s] = static_cast<int>(i);
    }
    std::vector<bool> keep(slot_values_.size(), false);
    for (int s : output_slots_) keep[s] = true;
    for (int s = 0; s < static_cast<int>(slot_values_.size()); ++s) {
      const ir::Value* v = slot_values_[s];
      if (v->is_constant() || keep[s] || last_use[s] < 0) continue;
      if (std::find(input_slots_.begin(), input_slots_.end(), s) != input_slots_.end()) continue;
      steps_[last_use[s]].release.push_back(s);
    }
    return Status::Ok();
  }

  Expected<std::vector<Tensor>> run(const std::vector<Tensor>& inputs) override {
    return execute(inputs, nullptr);
  }

  Expected<std::vector<Tensor>> run_capturing(
      const std::vector<Tensor>& inputs,
      std::vector<std::pair<std::string, Tensor>>* values) override {
    return execute(inputs, values);
  }

  std::vector<NodeProfile> profile() const override {
    std::vector<NodeProfile> out;
    if (!profiling_) return out;
    for (const Step& step : steps_) out.push_back({step.node, step.total_ms, step.runs});
    return out;
  }

 private:
  struct Step {
    const ir::Node* node = nullptr;  // the node this step evaluates
    std::unique_ptr<Kernel> kernel;  // its prepared kernel
    std::vector<int> inputs;         // slot per node input, -1 for an omitted optional one
    std::vector<int> outputs;        // slot per node output
    std::vector<int> release;        // slots whose last reader is this step
    double total_ms = 0;             // profiling: kernel time summed over runs
    int64_t runs = 0;                // profiling: completed runs
  };

  Status check_inputs(const std::vector<Tensor>& inputs) const {
    if (inputs.size() != graph_.inputs.size())
      return Status::Error("graph has " + std::to_string(graph_.inputs.size()) + " inputs, got " +
                           std::to_string(inputs.size()) + " tensors");
    for (size_t i = 0; i < inputs.size(); ++i) {
      const ir::Value* v = graph_.inputs[i];
      const Tensor& t = inputs[i];
      bool fits = v->dtype == DType::kUndefined || t.dtype() == v->dtype;
      if (fits && v->has_shape) {
        fits = t.rank() == static_cast<int>(v->shape.size());
        for (int d = 0; fits && d < t.rank(); ++d)
          fits = !v->shape[d].known() || v->shape[d].size == t.dim(d);
      }
      if (!fits)
        return Status::Error(
            "input '" + v->name + "' expects " + std::string(dtype_name(v->dtype)) +
            (v->has_shape ? ir::shape_string(v->shape) : "[?]") + ", got " + t.describe());
    }
    return Status::Ok();
  }

  Expected<std::vector<Tensor>> execute(const std::vector<Tensor>& inputs,
                                        std::vector<std::pair<std::string, Tensor>>* capture) {
    MCONV_RETURN_IF_ERROR(check_inputs(inputs));
    const size_t slots = slot_values_.size();
    std::vector<Tensor> owned(slots);                 // intermediates computed in this run
    std::vector<const Tensor*> view(slots, nullptr);  // what each slot currently reads as
    for (size_t s = 0; s < slots; ++s)
      if (slot_values_[s]->is_constant()) view[s] = slot_values_[s]->constant.get();
    for (size_t i = 0; i < input_slots_.size(); ++i) view[input_slots_[i]] = &inputs[i];

    ExecContext ctx;
    ctx.pool = pool_.get();
    ctx.integer_rounding = integer_rounding_;
    std::vector<const Tensor*> args;
    std::vector<Tensor> results;
    for (Step& step : steps_) {
      args.clear();
      for (int s : step.inputs) args.push_back(s >= 0 ? view[s] : nullptr);
      results.assign(step.outputs.size(), Tensor());
      const auto start =
          profiling_ ? std::chrono::steady_clock::now() : std::chrono::steady_clock::time_point();
      Status st = run_kernel(*step.kernel, args, results, ctx);
      if (!st.ok()) return Status::Error(where(*step.node) + ": " + st.message());
      if (profiling_) {
        step.total_ms +=
            std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
                .count();
        ++step.runs;
      }
      for (size_t j = 0; j < step.outputs.size(); ++j) {
        const int s = step.outputs[j];
        const ir::Value* v = slot_values_[s];
        if (v->dtype != DType::kUndefined && results[j].dtype() != v->dtype)
          return Status::Error(where(*step.node) + ": produced " + results[j].describe() +
                               " for output '" + v->name + "' declared " +
                               std::string(dtype_name(v->dtype)));
        owned[s] = std::move(results[j]);
        view[s] = &owned[s];
        if (capture) capture->emplace_back(v->name, owned[s]);
      }
      for (int s : step.release) {
        owned[s] = Tensor();
        view[s] = nullptr;
      }
    }
    std::vector<Tensor> outputs;
    outputs.reserve(output_slots_.size());
    for (size_t i = 0; i < output_slots_.size(); ++i) {
      const int s = output_slots_[i];
      // Move an owned result out unless a later output names the same value again.
      const bool repeated =
          std::find(output_slots_.begin() + i + 1, output_slots_.end(), s) != output_slots_.end();
      if (view[s] == &owned[s] && !repeated) {
        outputs.push_back(std::move(owned[s]));
      } else {
        outputs.push_back(*view[s]);
      }
    }
    return outputs;
  }

  const ir::Graph& graph_;                     // the graph being run (outlives us)
  std::vector<const ir::Value*> slot_values_;  // value held by each slot
  std::vector<int> input_slots_;               // slot of each graph input
  std::vector<int> output_slots_;              // slot of each graph output
  std::vector<Step> steps_;                    // nodes in execution order
  std::unique_ptr<ThreadPool> pool_;           // null when running single-threaded
  bool profiling_ = false;                     // time each step
  IntegerRounding integer_rounding_ = IntegerRounding::kLiteRt;  // for the integer kernels
};

}  // namespace

Expected<std::unique_ptr<Interpreter>> Interpreter::Create(const ir::Graph& graph,
                                                           const InterpreterOptions& options) {
  auto interpreter = std::make_unique<GraphInterpreter>(graph);
  MCONV_RETURN_IF_ERROR(interpreter->init(options));
  return std::unique_ptr<Interpreter>(std::move(interpreter));
}

Expected<std::vector<Tensor>> evaluate_node(const ir::Node& node,
                                            const std::vector<const Tensor*>& inputs,
                                            IntegerRounding rounding) {
  if (inputs.size() != node.inputs.size())
    return Status::Error(where(node) + ": got " + std::to_string(inputs.size()) +
                         " input tensors for " + std::to_string(node.inputs.size()) + " inputs");
  MCONV_ASSIGN_OR_RETURN(std::unique_ptr<Kernel> kernel, make_kernel(node));
  for (size_t i = 0; i < inputs.size(); ++i)
    if (node.inputs[i] && !inputs[i])
      return Status::Error(where(node) + ": no tensor for input " + std::to_string(i) + " ('" +
                           node.inputs[i]->name + "')");
  std::vector<Tensor> outputs(node.outputs.size());
  ExecContext ctx;
  ctx.integer_rounding = rounding;
  Status st = run_kernel(*kernel, inputs, outputs, ctx);
  if (!st.ok()) return Status::Error(where(node) + ": " + st.message());
  return outputs;
}

}  // namespace mconv::runtime
