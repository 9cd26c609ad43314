#include "quant/calibration.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstring>
#include <limits>
#include <memory>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <unordered_set>

#include "core/bytes.h"
#include "runtime/interpreter.h"

namespace mconv::quant {
namespace {

// Names of the values worth observing: float graph inputs and float node outputs.
std::unordered_set<std::string> observed_names(const ir::Graph& graph) {
  std::unordered_set<std::string> names;
  for (const ir::Value* v : graph.inputs)
    if (dtype_is_float(v->dtype)) names.insert(v->name);
  for (const auto& node : graph.nodes())
    for (const ir::Value* v : node->outputs)
      if (v && !v->is_constant() && (dtype_is_float(v->dtype) || v->dtype == DType::kUndefined))
        names.insert(v->name);
  return names;
}

// Where the input channel means are collected: input 0 of every Conv (channel axis from its
// layout) and Gemm/MatMul (last axis), keyed by the input's value name.
struct ChannelTarget {
  std::string node;  // consuming node name (the key of CalibrationResult::input_means)
  int axis = 1;      // channel axis of the input, -1 = last
};
std::unordered_map<std::string, std::vector<ChannelTarget>> channel_targets(
    const ir::Graph& graph) {
  std::unordered_map<std::string, std::vector<ChannelTarget>> out;
  for (const auto& node : graph.nodes()) {
    if (node->inputs.empty() || !node->inputs[0] || node->inputs[0]->is_constant()) continue;
    int axis = 0;
    if (node->op == ir::OpType::kConv) {
      axis = node->layout == ir::Layout::kNHWC ? -1 : 1;
    } else if (node->op == ir::OpType::kGemm || node->op == ir::OpType::kMatMul) {
      axis = -1;
    } else {
      continue;
    }
    out[node->inputs[0]->name].push_back(ChannelTarget{node->name, axis});
  }
  return out;
}

// Values whose per-channel ranges are recorded: Conv outputs (axis from the layout) and outputs
// of per-channel unary ops reading one of those, keyed by value name.
std::unordered_map<std::string, int> channel_range_axes(const ir::Graph& graph) {
  std::unordered_map<std::string, int> axes;
  for (const auto& node : graph.nodes()) {
    if (node->outputs.empty() || !node->outputs[0]) continue;
    const std::string& out = node->outputs[0]->name;
    switch (node->op) {
      case ir::OpType::kConv:
        if (node->layout == ir::Layout::kNHWC || node->layout == ir::Layout::kNCHW)
          axes[out] = node->layout == ir::Layout::kNHWC ? 3 : 1;
        break;
      case ir::OpType::kRelu:
      case ir::OpType::kClip:
      case ir::OpType::kLeakyRelu:
      case ir::OpType::kHardSwish:
      case ir::OpType::kHardSigmoid:
      case ir::OpType::kSigmoid:
      case ir::OpType::kTanh:
        if (node->inputs[0])
          if (auto it = axes.find(node->inputs[0]->name); it != axes.end()) axes[out] = it->second;
        break;
      default:
        break;
    }
  }
  return axes;
}

void add_channel_extremes(const Tensor& t, int axis, ChannelRanges* r) {
  if (t.rank() <= axis) return;
  int64_t outer = 1, inner = 1;
  for (int d = 0; d < axis; ++d) outer *= t.dim(d);
  for (int d = axis + 1; d < t.rank(); ++d) inner *= t.dim(d);
  const int64_t channels = t.dim(axis);
  if (r->min.empty()) {
    r->axis = axis;
    r->min.assign(channels, std::numeric_limits<float>::infinity());
    r->max.assign(channels, -std::numeric_limits<float>::infinity());
  }
  if (static_cast<int64_t>(r->min.size()) != channels) return;
  const float* x = t.data<float>();
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t c = 0; c < channels; ++c) {
      float lo = r->min[c], hi = r->max[c];
      const float* p = x + (o * channels + c) * inner;
      for (int64_t i = 0; i < inner; ++i) {
        if (!std::isfinite(p[i])) continue;
        lo = std::min(lo, p[i]);
        hi = std::max(hi, p[i]);
      }
      r->min[c] = lo;
      r->max[c] = hi;
    }
}

void add_channel_sums(const Tensor& t, int axis, ChannelMeans* m) {
  if (t.rank() == 0) return;
  const int a = axis < 0 ? t.rank() - 1 : std::min(axis, t.rank() - 1);
  int64_t outer = 1, inner = 1;
  for (int d = 0; d < a; ++d) outer *= t.dim(d);
  for (int d = a + 1; d < t.rank(); ++d) inner *= t.dim(d);
  const int64_t channels = t.dim(a);
  if (m->sum.empty()) m->sum.assign(channels, 0.0);
  if (static_cast<int64_t>(m->sum.size()) != channels) return;  // shape changed: ignore
  const float* x = t.data<float>();
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t c = 0; c < channels; ++c) {
      double s = 0;
      for (int64_t i = 0; i < inner; ++i) s += x[(o * channels + c) * inner + i];
      m->sum[c] += s;
    }
  m->count += static_cast<uint64_t>(outer * inner);
}

// Items [first, first + count) of `batch` along axis 0.
Tensor slice_batch(const Tensor& batch, int64_t first, int64_t count) {
  std::vector<int64_t> shape = batch.shape();
  const int64_t item_bytes = shape[0] > 0 ? static_cast<int64_t>(batch.byte_size()) / shape[0] : 0;
  shape[0] = count;
  Tensor out(batch.dtype(), shape);
  copy_bytes(out.raw(), batch.raw() + first * item_bytes, static_cast<size_t>(count * item_bytes));
  return out;
}

// One worker's share: its interpreter and histograms.
struct Worker {
  std::unique_ptr<runtime::Interpreter> interpreter;  // single-threaded interpreter
  std::map<std::string, Histogram> values;            // histograms filled by this worker
  std::map<std::string, ChannelMeans> means;          // channel sums filled by this worker
  std::map<std::string, ChannelRanges> ranges;        // channel extremes filled by this worker
  Status status;                                      // first error of this worker
};

// Elements of one run of `v` (batch dim as 1), or -1 when a dim is unknown.
int64_t elements_per_run(const ir::Value& v) {
  if (!v.has_shape) return -1;
  int64_t n = 1;
  for (size_t d = 0; d < v.shape.size(); ++d) {
    const int64_t size = v.shape[d].size;
    if (size > 0) {
      n *= d == 0 ? 1 : size;
    } else if (d != 0) {
      return -1;
    }
  }
  return n;
}

// Size of dim `axis` of `v` (negative: from the back), or -1 when unknown.
int64_t dim_size(const ir::Value& v, int axis) {
  if (!v.has_shape || v.shape.empty()) return -1;
  const int rank = static_cast<int>(v.shape.size());
  const int a = axis < 0 ? rank + axis : axis;
  if (a < 0 || a >= rank) return -1;
  return v.shape[a].size > 0 ? v.shape[a].size : -1;
}

}  // namespace

std::optional<CalibrationResult> CalibrationCache::find(const ir::Graph& graph, size_t runs,
                                                        const CalibrationOptions& options) const {
  std::unordered_map<std::string, const ir::Value*> by_name;
  for (const ir::Value* v : graph.inputs) by_name.emplace(v->name, v);
  for (const auto& node : graph.nodes())
    for (const ir::Value* v : node->outputs)
      if (v) by_name.emplace(v->name, v);
  auto value = [&](const std::string& name) -> const ir::Value* {
    auto it = by_name.find(name);
    return it == by_name.end() ? nullptr : it->second;
  };
  std::lock_guard<std::mutex> lock(mutex_);
  if (known_.runs == 0 || known_.runs != runs) return std::nullopt;
  CalibrationResult out;
  out.runs = runs;
  for (const std::string& name : observed_names(graph)) {
    auto it = known_.values.find(name);
    if (it == known_.values.end() || it->second.bins() != options.histogram_bins)
      return std::nullopt;
    // Same number of elements per run: the same tensor, whatever its layout.
    const ir::Value* v = value(name);
    const int64_t per_run = v ? elements_per_run(*v) : -1;
    const uint64_t seen = it->second.count() + it->second.nonfinite();
    if (per_run >= 0 && seen != static_cast<uint64_t>(per_run) * runs) return std::nullopt;
    out.values.emplace(name, it->second);
  }
  for (const auto& [input, targets] : channel_targets(graph))
    for (const ChannelTarget& target : targets) {
      auto it = known_.input_means.find(target.node);
      if (it == known_.input_means.end()) return std::nullopt;
      const ir::Value* v = value(input);
      const int64_t channels = v ? dim_size(*v, target.axis) : -1;
      if (channels >= 0 && static_cast<int64_t>(it->second.sum.size()) != channels)
        return std::nullopt;
      out.input_means.emplace(target.node, it->second);
    }
  if (options.channel_ranges)
    for (const auto& [name, axis] : channel_range_axes(graph)) {
      auto it = known_.channel_ranges.find(name);
      if (it == known_.channel_ranges.end()) return std::nullopt;
      const ir::Value* v = value(name);
      const int64_t channels = v ? dim_size(*v, axis) : -1;
      if (channels >= 0 && static_cast<int64_t>(it->second.min.size()) != channels)
        return std::nullopt;
      ChannelRanges ranges = it->second;
      ranges.axis = axis;  // this graph's channel axis
      out.channel_ranges.emplace(name, std::move(ranges));
    }
  ++hits_;
  return out;
}

void CalibrationCache::add(const CalibrationResult& result) {
  std::lock_guard<std::mutex> lock(mutex_);
  ++misses_;
  if (known_.runs != 0 && known_.runs != result.runs) return;  // another input set: not mixed
  known_.runs = result.runs;
  known_.values.insert(result.values.begin(), result.values.end());
  known_.input_means.insert(result.input_means.begin(), result.input_means.end());
  known_.channel_ranges.insert(result.channel_ranges.begin(), result.channel_ranges.end());
}

int CalibrationCache::hits() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return hits_;
}

int CalibrationCache::misses() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return misses_;
}

std::vector<double> ChannelMeans::means() const {
  std::vector<double> out(sum.size(), 0.0);
  if (count == 0) return out;
  for (size_t c = 0; c < sum.size(); ++c) out[c] = sum[c] / static_cast<double>(count);
  return out;
}

const Histogram* CalibrationResult::find(const std::string& name) const {
  auto it = values.find(name);
  return it == values.end() ? nullptr : &it->second;
}

CalibrationSource calibration_source_from_runs(std::vector<std::vector<Tensor>> runs) {
  auto shared = std::make_shared<const std::vector<std::vector<Tensor>>>(std::move(runs));
  CalibrationSource source;
  source.count = shared->size();
  source.inputs = [shared](size_t index) -> Expected<std::vector<Tensor>> {
    return (*shared)[index];
  };
  return source;
}

CalibrationSource calibration_source_from_batch(Tensor batch, int64_t items_per_run) {
  auto shared = std::make_shared<const Tensor>(std::move(batch));
  const int64_t per_run = std::max<int64_t>(1, items_per_run);
  const int64_t items = shared->rank() > 0 ? shared->dim(0) : 0;
  CalibrationSource source;
  source.count = static_cast<size_t>((items + per_run - 1) / per_run);
  source.inputs = [shared, per_run, items](size_t index) -> Expected<std::vector<Tensor>> {
    const int64_t first = static_cast<int64_t>(index) * per_run;
    if (first >= items)
      return Status::Error("calibration run " + std::to_string(index) +
                           " is past the end of the batch");
    return std::vector<Tensor>{slice_batch(*shared, first, std::min(per_run, items - first))};
  };
  return source;
}

Expected<CalibrationResult> calibrate(const ir::Graph& graph, const CalibrationSource& source,
                                      const CalibrationOptions& options) {
  if (!source.inputs) return Status::Error("calibration: no input source");
  if (source.count == 0) return Status::Error("calibration: no calibration inputs");
  if (options.histogram_bins <= 0 || options.histogram_bins % 4 != 0)
    return Status::Error("calibration: histogram bins must be a positive multiple of 4, got " +
                         std::to_string(options.histogram_bins));
  if (options.cache)
    if (auto known = options.cache->find(graph, source.count, options)) return std::move(*known);
  const std::unordered_set<std::string> observed = observed_names(graph);
  const std::unordered_map<std::string, std::vector<ChannelTarget>> targets =
      channel_targets(graph);
  std::unordered_map<std::string, int> range_axes;
  if (options.channel_ranges) range_axes = channel_range_axes(graph);
  const int thread_count = static_cast<int>(
      std::clamp<size_t>(static_cast<size_t>(std::max(1, options.threads)), 1, source.count));
  std::vector<Worker> workers(thread_count);
  for (Worker& w : workers) {
    MCONV_ASSIGN_OR_RETURN(w.interpreter, runtime::Interpreter::Create(graph));
  }

  std::atomic<size_t> next{0};
  std::atomic<bool> failed{false};
  auto work = [&](Worker& w) {
    std::vector<std::pair<std::string, Tensor>> captured;
    for (;;) {
      if (failed.load()) return;
      const size_t run = next.fetch_add(1);
      if (run >= source.count) return;
      const std::string where = "calibration run " + std::to_string(run);
      auto inputs = source.inputs(run);
      if (!inputs.ok()) {
        w.status = inputs.status().with_context(where);
        failed = true;
        return;
      }
      captured.clear();
      auto outputs = w.interpreter->run_capturing(*inputs, &captured);
      if (!outputs.ok()) {
        w.status = outputs.status().with_context(where);
        failed = true;
        return;
      }
      auto observe = [&](const std::string& name, const Tensor& t) {
        if (t.dtype() != DType::kF32) return;
        if (auto it = targets.find(name); it != targets.end())
          for (const ChannelTarget& target : it->second)
            add_channel_sums(t, target.axis, &w.means[target.node]);
        if (auto it = range_axes.find(name); it != range_axes.end())
          add_channel_extremes(t, it->second, &w.ranges[name]);
        if (!observed.count(name)) return;
        auto it = w.values.find(name);
        if (it == w.values.end())
          it = w.values.emplace(name, Histogram(options.histogram_bins)).first;
        it->second.add(t.values<float>());
      };
      for (size_t i = 0; i < graph.inputs.size() && i < inputs->size(); ++i)
        observe(graph.inputs[i]->name, (*inputs)[i]);
      for (const auto& [name, tensor] : captured) observe(name, tensor);
    }
  };
  if (thread_count == 1) {
    work(workers[0]);
  } else {
    std::vector<std::thread> threads;
    for (int t = 1; t < thread_count; ++t) threads.emplace_back(work, std::ref(workers[t]));
    work(workers[0]);
    for (std::thread& t : threads) t.join();
  }
  for (const Worker& w : workers)
    if (!w.status.ok()) return w.status;

  CalibrationResult result;
  result.runs = source.count;
  for (Worker& w : workers)
    for (auto& [node, m] : w.means) {
      ChannelMeans& total = result.input_means[node];
      if (total.sum.empty()) total.sum.assign(m.sum.size(), 0.0);
      if (total.sum.size() != m.sum.size()) continue;
      for (size_t c = 0; c < m.sum.size(); ++c) total.sum[c] += m.sum[c];
      total.count += m.count;
    }
  for (Worker& w : workers)
    for (auto& [name, r] : w.ranges) {
      auto [it, inserted] = result.channel_ranges.emplace(name, r);
      if (inserted || it->second.min.size() != r.min.size()) continue;
      for (size_t c = 0; c < r.min.size(); ++c) {
        it->second.min[c] = std::min(it->second.min[c], r.min[c]);
        it->second.max[c] = std::max(it->second.max[c], r.max[c]);
      }
    }
  for (Worker& w : workers)
    for (auto& [name, histogram] : w.values) {
      auto it = result.values.find(name);
      if (it == result.values.end()) {
        result.values.emplace(name, std::move(histogram));
      } else {
        it->second.merge(histogram);
      }
    }
  if (options.cache) options.cache->add(result);
  return result;
}

}  // namespace mconv::quant
