#include "pipeline/model_runs.h"

#include <algorithm>
#include <cmath>

#include "pipeline/variant_runs.h"

namespace mconv::pipeline {
namespace {

// A float sample in the dtype `spec` wants: integer inputs quantized with the input's own scale
// and zero point (per tensor), float ones cast.
Tensor sample_for(const Tensor& sample, const TensorSpec& spec) {
  if (sample.dtype() == spec.dtype || spec.dtype == DType::kUndefined) return sample;
  if ((spec.dtype == DType::kI8 || spec.dtype == DType::kU8) && spec.quantized() &&
      dtype_is_float(sample.dtype())) {
    const double scale = spec.scale[0];
    const double zp = spec.zero_point.empty() ? 0.0 : static_cast<double>(spec.zero_point[0]);
    const double lo = spec.dtype == DType::kU8 ? 0 : -128,
                 hi = spec.dtype == DType::kU8 ? 255 : 127;
    const std::vector<float> x = sample.to_f32();
    std::vector<float> q(x.size());
    for (size_t i = 0; i < x.size(); ++i)
      q[i] = static_cast<float>(
          std::clamp(std::nearbyint(static_cast<double>(x[i]) / scale) + zp, lo, hi));
    return Tensor::FromVector(DType::kF32, sample.shape(), q).cast(spec.dtype);
  }
  return sample.cast(spec.dtype);
}

// An output as real f32 values: integer outputs dequantized with the output's own params.
Expected<Tensor> real_output(const Tensor& out, const TensorSpec& spec) {
  if (out.dtype() != DType::kI8 && out.dtype() != DType::kU8) return out.cast(DType::kF32);
  if (!spec.quantized()) return Status::Error("integer output without quantization");
  const float scale = spec.scale[0];
  const float zp = spec.zero_point.empty() ? 0.0f : static_cast<float>(spec.zero_point[0]);
  std::vector<float> v = out.to_f32();
  for (float& x : v) x = scale * (x - zp);
  return Tensor::FromVector(DType::kF32, out.shape(), v);
}

}  // namespace

Expected<std::unique_ptr<runtimes::Runtime>> open_model_runtime(const ModelFile& file,
                                                                RuntimeKind kind, int threads) {
  if (kind != RuntimeKind::kRef)
    return runtimes::open_runtime(kind, file.path, file.format, {.threads = threads});
  MCONV_ASSIGN_OR_RETURN(ir::Model model, import_model(file));
  return runtimes::open_runtime(std::move(model), {.threads = threads});
}

Expected<RunResult> run_samples(runtimes::Runtime& runtime, const Tensor& batch, int timed_runs,
                                ProgressStage* progress, Rows rows) {
  if (runtime.inputs().size() != 1)
    return Status::Error("the model has " + std::to_string(runtime.inputs().size()) +
                         " inputs; verification feeds one image input");
  if (runtime.outputs().empty()) return Status::Error("the model has no outputs");
  const TensorSpec& in = runtime.inputs()[0];
  const TensorSpec& out = runtime.outputs()[0];
  const int64_t n = batch.dim(0);
  const int64_t first = std::clamp<int64_t>(rows.first, 0, n);
  const int64_t end = rows.count < 0 ? n : std::min(n, first + rows.count);
  if (first >= end) return Status::Error("no samples to run");
  std::vector<Tensor> outs;
  std::vector<double> sample_ms;
  // Only an out-of-process runtime (LiteRT: one Node process) gets the samples stacked in one
  // call; in-process ones run one sample per call, so each sample's time is known.
  if (runtime.takes_stacked_samples() && runtime.kind() == RuntimeKind::kLitert) {
    const Tensor some = first > 0 || end < n ? row_range(batch, first, end - first) : batch;
    MCONV_ASSIGN_OR_RETURN(std::vector<Tensor> o, runtime.run({sample_for(some, in)}));
    MCONV_ASSIGN_OR_RETURN(Tensor f, real_output(o.at(0), out));
    outs.push_back(std::move(f));
    if (progress)
      for (int64_t i = first; i < end; ++i) progress->advance();
  } else {
    for (int64_t i = first; i < end; ++i) {
      Tensor x = item(batch, i);
      if (x.dtype() != in.dtype && in.dtype != DType::kUndefined) x = sample_for(x, in);
      const auto start = Clock::now();
      MCONV_ASSIGN_OR_RETURN(std::vector<Tensor> o, runtime.run({x}));
      sample_ms.push_back(seconds_since(start) * 1000.0);
      MCONV_ASSIGN_OR_RETURN(Tensor f, real_output(o.at(0), out));
      outs.push_back(std::move(f));
      if (progress) progress->advance();
    }
  }
  RunResult result{outs.size() == 1 ? std::move(outs[0]) : stack_f32(outs), runtime.description(),
                   0, std::move(sample_ms)};
  if (timed_runs > 0) {
    MCONV_ASSIGN_OR_RETURN(runtimes::RunTiming timing,
                           runtime.time_runs({sample_for(item(batch, first), in)}, 3, timed_runs));
    result.latency_p50 = median(timing.times_ms);
    result.runtime = runtime.description();  // LiteRT names the engine that timed it
  }
  return result;
}

Expected<RunResult> run_model_file(RuntimeKind kind, const std::string& path, ModelFormat format,
                                   const Tensor& batch, int timed_runs, int threads) {
  MCONV_ASSIGN_OR_RETURN(auto runtime,
                         runtimes::open_runtime(kind, path, format, {.threads = threads}));
  return run_samples(*runtime, batch, timed_runs);
}

}  // namespace mconv::pipeline
