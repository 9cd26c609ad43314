#include "quant/stepwise_run.h"

#include <cstring>

#include "runtime/interpreter.h"

namespace mconv::quant {

const Tensor* ValueStore::find(const ir::Value* v) const {
  if (v->constant) return v->constant.get();
  if (auto it = own_.find(v); it != own_.end()) return &it->second;
  return base_ ? base_->find(v) : nullptr;
}

namespace {

// Rows [row, row + 1) of `t` along axis 0.
Tensor sample_of(const Tensor& t, int64_t row) {
  std::vector<int64_t> shape = t.shape();
  const size_t bytes = t.byte_size() / static_cast<size_t>(shape[0]);
  shape[0] = 1;
  Tensor out(t.dtype(), shape);
  if (bytes > 0) std::memcpy(out.raw(), t.raw() + bytes * static_cast<size_t>(row), bytes);
  return out;
}

Expected<std::vector<Tensor>> evaluate_per_sample(const ir::Node& node,
                                                  const std::vector<const Tensor*>& inputs,
                                                  const Status& batch_error) {
  int64_t samples = -1;
  for (size_t i = 0; i < inputs.size(); ++i) {
    if (!inputs[i] || node.inputs[i]->is_constant()) continue;
    if (inputs[i]->rank() == 0) return batch_error;
    if (samples >= 0 && inputs[i]->dim(0) != samples) return batch_error;
    samples = inputs[i]->dim(0);
  }
  if (samples <= 1) return batch_error;
  std::vector<std::vector<Tensor>> per_sample;
  for (int64_t r = 0; r < samples; ++r) {
    std::vector<Tensor> slices(inputs.size());
    std::vector<const Tensor*> in(inputs.size(), nullptr);
    for (size_t i = 0; i < inputs.size(); ++i) {
      if (!inputs[i]) continue;
      if (node.inputs[i]->is_constant()) {
        in[i] = inputs[i];
        continue;
      }
      slices[i] = sample_of(*inputs[i], r);
      in[i] = &slices[i];
    }
    auto out = runtime::evaluate_node(node, in);
    if (!out.ok()) return batch_error;
    per_sample.push_back(std::move(*out));
  }
  std::vector<Tensor> stacked;
  for (size_t k = 0; k < per_sample[0].size(); ++k) {
    const Tensor& first = per_sample[0][k];
    if (first.rank() == 0 || first.dim(0) != 1) return batch_error;
    std::vector<int64_t> shape = first.shape();
    shape[0] = samples;
    Tensor t(first.dtype(), shape);
    for (int64_t r = 0; r < samples; ++r) {
      const Tensor& part = per_sample[r][k];
      if (part.byte_size() != first.byte_size()) return batch_error;
      if (part.byte_size() > 0)
        std::memcpy(t.raw() + part.byte_size() * static_cast<size_t>(r), part.raw(),
                    part.byte_size());
    }
    stacked.push_back(std::move(t));
  }
  return stacked;
}

}  // namespace

Status run_stepwise(const ir::Graph& graph, ValueStore& store, const StepwiseHooks& hooks,
                    const StepwiseOptions& options) {
  auto selected = [&](const ir::Node* n) { return !options.only || options.only->count(n) > 0; };
  // Readers still to run per value, for freeing.
  std::unordered_map<const ir::Value*, int> pending;
  if (options.free_dead_values)
    for (const auto& node : graph.nodes())
      if (selected(node.get()))
        for (const ir::Value* v : node->inputs)
          if (v && !v->is_constant()) ++pending[v];
  std::unordered_set<const ir::Value*> outputs(graph.outputs.begin(), graph.outputs.end());
  if (options.keep) outputs.insert(options.keep->begin(), options.keep->end());

  for (const auto& node_ptr : graph.nodes()) {
    const ir::Node& node = *node_ptr;
    if (!selected(&node)) continue;
    std::vector<Tensor> results;
    std::optional<std::vector<Tensor>> replaced;
    if (hooks.replace) replaced = hooks.replace(node, store);
    if (replaced) {
      results = std::move(*replaced);
    } else {
      std::vector<const Tensor*> inputs;
      for (const ir::Value* v : node.inputs) {
        if (!v) {
          inputs.push_back(nullptr);
          continue;
        }
        const Tensor* t = store.find(v);
        if (!t)
          return Status::Error("node '" + node.name + "': input '" + v->name +
                               "' not computed (graph not in topological order?)");
        inputs.push_back(t);
      }
      auto out = runtime::evaluate_node(node, inputs);
      // A node written for one sample (e.g. Reshape to a constant [1, C]) fails on a batch:
      // evaluate it sample by sample and stack the results.
      if (!out.ok()) out = evaluate_per_sample(node, inputs, out.status());
      if (!out.ok()) return Status::Error("node '" + node.name + "': " + out.status().message());
      results = std::move(*out);
    }
    if (hooks.after) MCONV_RETURN_IF_ERROR(hooks.after(node, store, results));
    for (size_t i = 0; i < node.outputs.size() && i < results.size(); ++i)
      store.set(node.outputs[i], std::move(results[i]));
    if (options.free_dead_values)
      for (const ir::Value* v : node.inputs)
        if (v && !v->is_constant() && --pending[v] == 0 && !outputs.count(v)) store.erase(v);
  }
  return Status::Ok();
}

std::unordered_set<const ir::Node*> downstream_nodes(const ir::Node& from) {
  std::unordered_set<const ir::Node*> seen{&from};
  std::vector<const ir::Node*> stack{&from};
  while (!stack.empty()) {
    const ir::Node* n = stack.back();
    stack.pop_back();
    for (const ir::Value* out : n->outputs)
      for (const ir::Node* reader : out->consumers)
        if (seen.insert(reader).second) stack.push_back(reader);
  }
  return seen;
}

std::vector<double> channel_means(const Tensor& t, int axis) {
  const std::vector<float> v = t.to_f32();
  const int rank = static_cast<int>(t.rank());
  if (axis < 0) axis += rank;
  if (axis < 0 || axis >= rank) return {};
  const int64_t channels = t.dim(axis);
  int64_t inner = 1;
  for (int d = axis + 1; d < rank; ++d) inner *= t.dim(d);
  std::vector<double> sum(channels, 0.0);
  const int64_t total = static_cast<int64_t>(v.size());
  for (int64_t i = 0; i < total; ++i) sum[(i / inner) % channels] += v[i];
  const double per_channel = channels > 0 ? static_cast<double>(total) / channels : 1.0;
  for (double& s : sum) s /= per_channel;
  return sum;
}

}  // namespace mconv::quant
