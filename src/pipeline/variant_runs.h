// Running one model file or graph on a verification batch, as `mconv convert` and `mconv verify`
// both do: ONNX files in ONNX Runtime, TFLite files in LiteRT (or, without Node/LiteRT, the file
// re-imported in the reference interpreter), graphs in the reference interpreter. Batches are
// image tensors [N,C,H,W] or [N,H,W,C]; batch_for_input transposes between the two.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "core/status.h"
#include "core/tensor.h"
#include "ir/graph.h"
#include "pipeline/progress_callback.h"
#include "report/report.h"

namespace mconv::pipeline {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start);

// Where the channels of a rank-4 image tensor are: "NCHW", "NHWC", or "" for anything else.
std::string image_layout_of(const ir::Value& v);

// Name, dtype, static dims and image layout of each value, as a report lists a signature.
std::vector<report::TensorInfo> tensor_infos(const std::vector<ir::Value*>& values);

// [N,C,H,W] <-> [N,H,W,C] for 4-byte or 2-byte elements.
Tensor transpose_image_batch(const Tensor& t, bool to_nhwc);

// The verification batch in the layout `input` wants (the batch is in `batch_layout`).
Tensor batch_for_input(const Tensor& batch, const std::string& batch_layout,
                       const ir::Value& input);

// Sample i of a batch, as a batch of one.
Tensor item(const Tensor& batch, int64_t i);

// Per-sample outputs [1, ...] stacked into [N, ...] as f32.
Tensor stack_f32(const std::vector<Tensor>& items);

// Runs every sample through an interpreter; outputs of output 0 stacked.
Expected<Tensor> run_interpreter(const ir::Graph& graph, const Tensor& batch,
                                 ProgressStage* progress);

double median(std::vector<double> v);

struct RunResult {
  Tensor outputs;       // [N, C] f32
  std::string runtime;  // what ran it
  double latency_p50 = 0;
};

// The file in ONNX Runtime, one sample at a time, then `timed_runs` timed single-sample runs.
Expected<RunResult> run_onnx_file(const std::string& path, const Tensor& batch, int timed_runs);

// The file in LiteRT (integer outputs dequantized with the file's params), or in the reference
// interpreter when LiteRT is not available (the runtime string says why).
Expected<RunResult> run_tflite_file(const std::string& path, const Tensor& batch, int timed_runs);

}  // namespace mconv::pipeline
