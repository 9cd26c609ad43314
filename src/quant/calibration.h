// Calibration: run an FP32 graph on representative inputs with the reference interpreter and
// record, for every float activation (graph inputs and node outputs, constants excluded), a
// Histogram (histogram.h: exact min/max/zero count + a mergeable single-pass histogram). Range
// estimation (range_estimation.h) then turns these into clipping ranges.
//
// Threads: each worker owns an interpreter and its own histograms and takes whole input sets
// (runs) from a shared counter; histograms are merged at the end. Because histograms merge
// exactly, the result does not depend on the thread count or on the order runs finish in.
// Observation uses Interpreter::run_capturing (a copy of each intermediate per run); one run per
// image keeps that to the size of one forward pass.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "core/status.h"
#include "core/tensor.h"
#include "ir/graph.h"
#include "quant/histogram.h"

namespace mconv::quant {

// Where calibration inputs come from: `count` runs, each a full set of graph inputs.
struct CalibrationSource {
  size_t count = 0;  // number of runs
  // Inputs of run `index` (< count), one tensor per graph input in order. Called from worker
  // threads, possibly concurrently for different indices: it must be thread-safe.
  std::function<Expected<std::vector<Tensor>>(size_t index)> inputs;
};

// Runs given as ready tensors (one vector of graph inputs per run).
CalibrationSource calibration_source_from_runs(std::vector<std::vector<Tensor>> runs);
// A single-input graph fed from one batch tensor [N, ...]: run i gets items
// [i * items_per_run, ...) along axis 0 (the last run may be shorter). items_per_run >= 1.
CalibrationSource calibration_source_from_batch(Tensor batch, int64_t items_per_run = 1);

class CalibrationCache;

struct CalibrationOptions {
  int threads = 1;  // worker threads (each runs a 1-thread interpreter)
  // Results of earlier calibrations of the same model on the same inputs (see CalibrationCache);
  // null: always run. Not owned; it must outlive the call.
  CalibrationCache* cache = nullptr;
  int histogram_bins = Histogram::kDefaultBins;  // bins per histogram (multiple of 4)
  // Also record per-channel min/max of Conv outputs and of the per-channel unary ops after them
  // (what channel splitting needs, see channel_split.h).
  bool channel_ranges = false;
};

// Per-channel extremes of one activation.
struct ChannelRanges {
  int axis = 1;            // channel axis of the value (1 for NCHW, 3 for NHWC)
  std::vector<float> min;  // per channel: smallest value seen
  std::vector<float> max;  // per channel: largest value seen
};

// Per-channel sums of the activation input of one Conv/Gemm/MatMul (the channel axis of the Conv's
// layout, the last axis of a Gemm/MatMul input), for bias correction.
struct ChannelMeans {
  std::vector<double> sum;  // per channel: sum of the elements seen
  uint64_t count = 0;       // elements per channel seen (the same for every channel)
  // sum[c] / count, 0 when nothing was seen.
  std::vector<double> means() const;
};

struct CalibrationResult {
  std::map<std::string, Histogram> values;  // by value name: every float activation observed
  // By NODE name: input channel sums of every Conv, Gemm and MatMul (input 0).
  std::map<std::string, ChannelMeans> input_means;
  // By value name, with CalibrationOptions::channel_ranges: per-channel extremes.
  std::map<std::string, ChannelRanges> channel_ranges;
  size_t runs = 0;  // input sets run

  // The histogram of value `name`, or null when it was not observed.
  const Histogram* find(const std::string& name) const;
};

// Calibration results shared between graphs made from ONE FP32 model and calibrated on ONE input
// set: the model's ONNX (NCHW) and TFLite (NHWC) forms, before and after channel splitting.
// Why it is sound: what calibration records does not depend on layout — a histogram (and its
// min/max/count) is a multiset of values, a channel's mean or extremes are the same whichever axis
// holds the channels — and value/node names survive the layout passes, so a value of the same
// name in the other form holds the same numbers in another order (up to float rounding of a
// different summation order). A graph whose every recorded value, Conv/Gemm node and ranged value
// is already known (same run count, same element count per value) is not run again; otherwise it
// is calibrated in full and its results join the cache. The first graph's results win, so the
// outcome depends only on the order calibrations are asked for, not on threads. Thread-safe.
class CalibrationCache {
 public:
  // The cached results covering everything `graph` records with `options` (histograms of its
  // bin count, channel ranges when asked) over `runs` runs, or nothing when something is missing.
  std::optional<CalibrationResult> find(const ir::Graph& graph, size_t runs,
                                        const CalibrationOptions& options) const;
  // Adds what `result` knows that the cache does not.
  void add(const CalibrationResult& result);
  int hits() const;    // calibrations answered from the cache
  int misses() const;  // results added (calibrations that ran)

 private:
  mutable std::mutex mutex_;
  CalibrationResult known_;  // union of every result added (runs: of the first)
  mutable int hits_ = 0;
  int misses_ = 0;
};

// Runs every input set of `source` through `graph` and collects the histograms and channel means.
// With options.cache: answered from the cache when it covers the graph (see CalibrationCache).
// Errors name the run that failed.
Expected<CalibrationResult> calibrate(const ir::Graph& graph, const CalibrationSource& source,
                                      const CalibrationOptions& options = {});

}  // namespace mconv::quant
