// Verification batches as `mconv convert` and `mconv verify` both handle them: image tensors
// [N,C,H,W] or [N,H,W,C] (batch_for_input transposes between the two), samples taken and stacked,
// graphs in the reference interpreter. Files run in their runtimes through pipeline/model_runs.h
// (the one Runtime interface).
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "core/status.h"
#include "core/tensor.h"
#include "ir/graph.h"
#include "pipeline/progress_callback.h"

namespace mconv::pipeline {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start);

// Where the channels of a rank-4 image tensor are: "NCHW", "NHWC", or "" for anything else.
std::string image_layout_of(const ir::Value& v);

// [N,C,H,W] <-> [N,H,W,C] for 4-byte or 2-byte elements.
Tensor transpose_image_batch(const Tensor& t, bool to_nhwc);

// The verification batch in the layout `input` wants (the batch is in `batch_layout`).
Tensor batch_for_input(const Tensor& batch, const std::string& batch_layout,
                       const ir::Value& input);

// Rows [first, first + count) of a batch (the one row-slicing copy of the pipeline).
Tensor row_range(const Tensor& batch, int64_t first, int64_t count);

// Sample i of a batch, as a batch of one.
Tensor item(const Tensor& batch, int64_t i);

// Per-sample outputs [1, ...] stacked into [N, ...] as f32.
Tensor stack_f32(const std::vector<Tensor>& items);

// Runs every sample through an interpreter; outputs of output 0 stacked.
Expected<Tensor> run_interpreter(const ir::Graph& graph, const Tensor& batch,
                                 ProgressStage* progress);

double median(std::vector<double> v);

}  // namespace mconv::pipeline
