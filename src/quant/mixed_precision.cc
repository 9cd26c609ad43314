#include "quant/mixed_precision.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <thread>
#include <unordered_map>

#include "quant/stepwise_run.h"

namespace mconv::quant {
namespace {

using ir::OpType;

// The value compared: the logits when the first output comes out of a Softmax (probabilities
// hide how close the top classes are), else the first output.
// (In a QDQ graph the Softmax may sit behind its output's Q/DQ pair.)
const ir::Value* compared_value(const ir::Graph& graph) {
  if (graph.outputs.empty()) return nullptr;
  const ir::Value* out = graph.outputs[0];
  const ir::Node* producer = out->producer;
  if (producer && producer->op == OpType::kDequantizeLinear && producer->inputs[0]->producer &&
      producer->inputs[0]->producer->op == OpType::kQuantizeLinear)
    producer = producer->inputs[0]->producer->inputs[0]->producer;
  if (producer && producer->op == OpType::kSoftmax) return producer->inputs[0];
  return out;
}

Expected<Tensor> run_to_value(const ir::Graph& graph, const std::vector<Tensor>& inputs,
                              const ir::Value* target) {
  if (inputs.size() != graph.inputs.size())
    return Status::Error("one input batch per graph input needed");
  ValueStore store;
  for (size_t i = 0; i < inputs.size(); ++i) store.set(graph.inputs[i], inputs[i]);
  const std::unordered_set<const ir::Value*> keep{target};
  MCONV_RETURN_IF_ERROR(run_stepwise(graph, store, {}, {.free_dead_values = true, .keep = &keep}));
  const Tensor* t = store.find(target);
  if (!t) return Status::Error("value '" + target->name + "' was not computed");
  return *t;
}

OutputError compare(const Tensor& y, const Tensor& reference) {
  OutputError e;
  const std::vector<float> a = y.to_f32(), b = reference.to_f32();
  if (a.size() != b.size() || a.empty()) {
    e.noise = INFINITY;
    return e;
  }
  double noise = 0, signal = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    const double d = static_cast<double>(a[i]) - b[i];
    noise += d * d;
    signal += static_cast<double>(b[i]) * b[i];
  }
  e.noise = signal > 0 ? noise / signal : noise;
  const int64_t rows = reference.rank() > 0 ? reference.dim(0) : 1;
  const int64_t cols = static_cast<int64_t>(b.size()) / std::max<int64_t>(1, rows);
  int64_t agree = 0;
  for (int64_t r = 0; r < rows; ++r) {
    const auto ra = a.begin() + r * cols, rb = b.begin() + r * cols;
    agree += std::max_element(ra, ra + cols) - ra == std::max_element(rb, rb + cols) - rb;
  }
  e.samples = rows;
  e.agreement = rows > 0 ? static_cast<double>(agree) / rows : 0;
  return e;
}

// A quantized activation's pair: Q (reading the float activation) and DQ (writing its name).
struct Pair {
  const ir::Node* q = nullptr;
  const ir::Node* dq = nullptr;
};

std::vector<Pair> activation_pairs(const ir::Graph& qdq) {
  std::vector<Pair> pairs;
  for (const auto& node : qdq.nodes()) {
    if (node->op != OpType::kDequantizeLinear) continue;
    const ir::Value* q = node->inputs[0];
    if (q->is_constant() || !q->quant || !q->producer) continue;
    const ir::Node* qn = q->producer;
    if (qn->op != OpType::kQuantizeLinear || !qn->inputs[0]->producer) continue;  // graph input
    pairs.push_back({qn, node.get()});
  }
  return pairs;
}

}  // namespace

Expected<Tensor> reference_logits(const ir::Graph& graph, const std::vector<Tensor>& inputs) {
  const ir::Value* target = compared_value(graph);
  if (!target) return Status::Error("graph has no output");
  return run_to_value(graph, inputs, target);
}

Expected<OutputError> measure_output_error(const ir::Graph& qdq, const std::vector<Tensor>& inputs,
                                           const Tensor& reference) {
  const ir::Value* target = compared_value(qdq);
  if (!target) return Status::Error("graph has no output");
  MCONV_ASSIGN_OR_RETURN(Tensor y, run_to_value(qdq, inputs, target));
  return compare(y, reference);
}

Expected<std::vector<ActivationSensitivity>> rank_activations(const ir::Graph& qdq,
                                                              const std::vector<Tensor>& inputs,
                                                              const Tensor& reference,
                                                              int threads) {
  const ir::Value* target = compared_value(qdq);
  if (!target) return Status::Error("graph has no output");
  if (inputs.size() != qdq.inputs.size())
    return Status::Error("one input batch per graph input needed");
  const std::vector<Pair> pairs = activation_pairs(qdq);
  std::unordered_map<const ir::Node*, const ir::Node*> q_of;  // activation DQ -> its Q
  for (const Pair& p : pairs) q_of[p.dq] = p.q;
  // Activation pairs other than `active` pass their float input through (weights stay int8).
  auto bypass_except = [&](const ir::Node* active) {
    return [&q_of, active](const ir::Node& node,
                           const ValueStore& store) -> std::optional<std::vector<Tensor>> {
      if (&node == active) return std::nullopt;
      auto it = q_of.find(&node);
      if (it == q_of.end()) return std::nullopt;
      const Tensor* x = store.find(it->second->inputs[0]);
      if (!x) return std::nullopt;
      return std::vector<Tensor>{*x};
    };
  };
  // One stored run with every activation pair bypassed (int8 weights only) that every
  // measurement reads from.
  ValueStore base;
  for (size_t i = 0; i < inputs.size(); ++i) base.set(qdq.inputs[i], inputs[i]);
  StepwiseHooks weights_only;
  weights_only.replace = bypass_except(nullptr);
  MCONV_RETURN_IF_ERROR(run_stepwise(qdq, base, weights_only));
  const Tensor* y0 = base.find(target);
  if (!y0) return Status::Error("value '" + target->name + "' was not computed");
  const double noise0 = compare(*y0, reference).noise;

  std::vector<ActivationSensitivity> result(pairs.size());
  std::vector<Status> errors(pairs.size(), Status::Ok());
  std::atomic<size_t> next{0};
  // The pass-through reads each pair's float input after its QuantizeLinear ran: keep those.
  std::unordered_set<const ir::Value*> keep{target};
  for (const Pair& p : pairs) keep.insert(p.q->inputs[0]);
  auto worker = [&] {
    for (size_t i = next++; i < pairs.size(); i = next++) {
      const Pair& p = pairs[i];
      const std::unordered_set<const ir::Node*> only = downstream_nodes(*p.dq);
      ValueStore overlay(&base);
      StepwiseHooks hooks;
      hooks.replace = bypass_except(p.dq);
      Status s = run_stepwise(qdq, overlay, hooks,
                              {.only = &only, .free_dead_values = true, .keep = &keep});
      const Tensor* y = overlay.find(target);
      if (s.ok() && !y) s = Status::Error("value '" + target->name + "' was not computed");
      if (!s.ok()) {
        errors[i] = s;
        continue;
      }
      result[i].value = p.dq->outputs[0]->name;
      const ir::Node* producer = p.q->inputs[0]->producer;
      result[i].producer = std::string(ir::op_name(producer->op));
      result[i].noise_removed = compare(*y, reference).noise - noise0;
    }
  };
  std::vector<std::thread> pool;
  for (int t = 1; t < std::max(1, threads); ++t) pool.emplace_back(worker);
  worker();
  for (std::thread& t : pool) t.join();
  for (const Status& s : errors) MCONV_RETURN_IF_ERROR(s);
  std::stable_sort(result.begin(), result.end(),
                   [](const ActivationSensitivity& a, const ActivationSensitivity& b) {
                     return a.noise_removed > b.noise_removed;
                   });
  return result;
}

Expected<MixedPrecisionChoice> choose_float_values(
    const std::function<Expected<OutputError>(int k)>& measure, double target_agreement,
    int max_kept) {
  MixedPrecisionChoice choice;
  auto try_k = [&](int k) -> Expected<OutputError> {
    MCONV_ASSIGN_OR_RETURN(OutputError e, measure(k));
    choice.tried.emplace_back(k, e);
    return e;
  };
  MCONV_ASSIGN_OR_RETURN(choice.all_int8, try_k(0));
  auto met = [&](const OutputError& e) { return e.agreement >= target_agreement; };
  if (met(choice.all_int8)) {
    choice.chosen = choice.all_int8;
    choice.target_met = true;
    return choice;
  }
  int failed = 0, k = 1;
  std::optional<OutputError> found;
  while (k <= max_kept) {
    MCONV_ASSIGN_OR_RETURN(OutputError e, try_k(k));
    if (met(e)) {
      found = e;
      break;
    }
    failed = k;
    if (k == max_kept) break;
    k = std::min(2 * k, max_kept);
  }
  if (!found) {
    // Budget out of reach within max_kept: the best agreement measured, the lower output noise
    // on ties (a few held-out images tie often; the noise separates them).
    auto best = choice.tried.begin();
    for (auto it = choice.tried.begin(); it != choice.tried.end(); ++it)
      if (it->second.agreement > best->second.agreement ||
          (it->second.agreement == best->second.agreement && it->second.noise < best->second.noise))
        best = it;
    choice.kept = best->first;
    choice.chosen = best->second;
    return choice;
  }
  int lo = failed, hi = k;
  OutputError at_hi = *found;
  while (hi - lo > 1) {
    const int mid = lo + (hi - lo) / 2;
    MCONV_ASSIGN_OR_RETURN(OutputError e, try_k(mid));
    if (met(e)) {
      hi = mid;
      at_hi = e;
    } else {
      lo = mid;
    }
  }
  choice.kept = hi;
  choice.chosen = at_hi;
  choice.target_met = true;
  return choice;
}

}  // namespace mconv::quant
