// Running one model file or graph on a verification batch, as `mconv convert` and `mconv verify`
// both do: ONNX files in ONNX Runtime, TFLite files in native TensorFlow Lite (all samples) and
// LiteRT (a sample), graphs in the reference interpreter. Batches are
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

// Rows [first, first + count) of a batch (count < 0: to the end): a share of the verification
// batch run by one session, so one variant can be verified by several threads.
struct Rows {
  int64_t first = 0;
  int64_t count = -1;
};

// Rows `rows` of `batch` stacked as one [n, ...] f32 batch (outputs of the shares, in order).
Tensor concat_rows(const std::vector<Tensor>& parts);

struct RunResult {
  Tensor outputs;       // [N, C] f32
  std::string runtime;  // what ran it
  double latency_p50 = 0;
  std::vector<double> sample_ms =
      {};  // wall time of each sample's run (ONNX Runtime, native TFLite)
};

// The file in ONNX Runtime, one sample at a time (the samples `rows` of `batch`), then `timed_runs`
// timed single-sample runs in the same session.
Expected<RunResult> run_onnx_file(const std::string& path, const Tensor& batch, int timed_runs,
                                  Rows rows = {});

// The file in native TensorFlow Lite 2.9 (XNNPACK), one sample at a time (integer outputs
// dequantized with the file's params), then `timed_runs` timed single-sample runs. A file TFLite
// refuses is an error (the caller's verdict is FAILED), never a silent fallback.
Expected<RunResult> run_tflite_file(const std::string& path, const Tensor& batch, int timed_runs,
                                    int threads = 1, Rows rows = {});

// An output as f32: integer outputs dequantized with the file's output params (per tensor).
Expected<Tensor> float_output(Tensor out, const std::vector<float>& scale,
                              const std::vector<int64_t>& zero_point);

// The file in LiteRT (LiteRT.js under Node, the check against the newest LiteRT), all samples in
// one Node process; an error when LiteRT is missing or refuses the file.
Expected<RunResult> run_litert_file(const std::string& path, const Tensor& batch, int timed_runs);

}  // namespace mconv::pipeline
