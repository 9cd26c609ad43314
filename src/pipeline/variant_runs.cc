#include "pipeline/variant_runs.h"

#include <algorithm>
#include <cstring>

#include "core/bytes.h"
#include "litert/litert.h"
#include "ort/ort_session.h"
#include "report/metrics.h"
#include "runtime/interpreter.h"
#include "tflite/tflite_importer.h"
#include "tflite_runtime/tflite_session.h"

namespace mconv::pipeline {

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// Where the channels of a rank-4 image tensor are: "NCHW", "NHWC", or "" for anything else.
std::string image_layout_of(const ir::Value& v) {
  if (!v.has_shape || v.shape.size() != 4) return "";
  if (v.shape[1].size == 3 && v.shape[3].size != 3) return "NCHW";
  if (v.shape[3].size == 3) return "NHWC";
  return "";
}

std::vector<report::TensorInfo> tensor_infos(const std::vector<ir::Value*>& values) {
  std::vector<report::TensorInfo> out;
  for (const ir::Value* v : values)
    out.push_back({v->name, std::string(dtype_name(v->dtype)), ir::static_dims(v->shape),
                   image_layout_of(*v)});
  return out;
}

// [N,C,H,W] <-> [N,H,W,C] for 4-byte or 2-byte elements.
Tensor transpose_image_batch(const Tensor& t, bool to_nhwc) {
  const std::vector<int64_t>& s = t.shape();
  const int64_t n = s[0];
  const int64_t c = to_nhwc ? s[1] : s[3], h = to_nhwc ? s[2] : s[1], w = to_nhwc ? s[3] : s[2];
  Tensor out(t.dtype(),
             to_nhwc ? std::vector<int64_t>{n, h, w, c} : std::vector<int64_t>{n, c, h, w});
  const size_t e = static_cast<size_t>(dtype_size(t.dtype()));
  const uint8_t* src = t.raw();
  uint8_t* dst = out.raw();
  for (int64_t b = 0; b < n; ++b)
    for (int64_t ch = 0; ch < c; ++ch)
      for (int64_t y = 0; y < h; ++y)
        for (int64_t x = 0; x < w; ++x) {
          const int64_t nchw = ((b * c + ch) * h + y) * w + x;
          const int64_t nhwc = ((b * h + y) * w + x) * c + ch;
          std::memcpy(dst + (to_nhwc ? nhwc : nchw) * e, src + (to_nhwc ? nchw : nhwc) * e, e);
        }
  return out;
}

// The verification batch in the layout `input` wants (the batch is in `batch_layout`).
Tensor batch_for_input(const Tensor& batch, const std::string& batch_layout,
                       const ir::Value& input) {
  const std::string want = image_layout_of(input);
  if (want.empty() || batch_layout.empty() || want == batch_layout) return batch;
  return transpose_image_batch(batch, want == "NHWC");
}

Tensor item(const Tensor& batch, int64_t i) {
  std::vector<int64_t> shape = batch.shape();
  shape[0] = 1;
  Tensor t(batch.dtype(), shape);
  copy_bytes(t.raw(), batch.raw() + i * t.byte_size(), t.byte_size());
  return t;
}

// Per-sample outputs [1, ...] stacked into [N, ...] as f32.
Tensor stack_f32(const std::vector<Tensor>& items) {
  std::vector<int64_t> shape = items.at(0).shape();
  shape[0] = static_cast<int64_t>(items.size());
  Tensor out(DType::kF32, shape);
  const int64_t per = items[0].element_count();
  for (size_t i = 0; i < items.size(); ++i) {
    const std::vector<float> v = items[i].to_f32();
    std::copy(v.begin(), v.begin() + std::min<int64_t>(per, static_cast<int64_t>(v.size())),
              out.data<float>() + i * per);
  }
  return out;
}

// Runs every sample through an interpreter; outputs of output 0 stacked.
Expected<Tensor> run_interpreter(const ir::Graph& graph, const Tensor& batch,
                                 ProgressStage* progress) {
  MCONV_ASSIGN_OR_RETURN(auto interpreter, runtime::Interpreter::Create(graph));
  std::vector<Tensor> outs;
  for (int64_t i = 0; i < batch.dim(0); ++i) {
    MCONV_ASSIGN_OR_RETURN(std::vector<Tensor> o, interpreter->run({item(batch, i)}));
    outs.push_back(std::move(o.at(0)));
    if (progress) progress->advance();
  }
  return stack_f32(outs);
}

Tensor concat_rows(const std::vector<Tensor>& parts) {
  if (parts.size() == 1) return parts[0];
  std::vector<int64_t> shape = parts.at(0).shape();
  int64_t rows = 0;
  for (const Tensor& p : parts) rows += p.dim(0);
  shape[0] = rows;
  Tensor out(parts[0].dtype(), shape);
  size_t at = 0;
  for (const Tensor& p : parts) {
    copy_bytes(out.raw() + at, p.raw(), p.byte_size());
    at += p.byte_size();
  }
  return out;
}

namespace {

// The sample indices [first, end) that `rows` selects from a batch of n.
std::pair<int64_t, int64_t> row_span(const Tensor& batch, Rows rows) {
  const int64_t n = batch.dim(0);
  const int64_t first = std::clamp<int64_t>(rows.first, 0, n);
  const int64_t end = rows.count < 0 ? n : std::min(n, first + rows.count);
  return {first, std::max(first, end)};
}

}  // namespace

double median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[(v.size() - 1) / 2];
}

Expected<RunResult> run_onnx_file(const std::string& path, const Tensor& batch, int timed_runs,
                                  Rows rows) {
  MCONV_ASSIGN_OR_RETURN(auto session, ort::OrtSession::Load(path));
  const DType in_type = session->inputs().at(0).dtype;
  std::vector<Tensor> outs;
  const auto [first, end] = row_span(batch, rows);
  if (first >= end) return Status::Error(path + ": no samples to run");
  std::vector<double> sample_ms;
  for (int64_t i = first; i < end; ++i) {
    Tensor x = item(batch, i);
    if (x.dtype() != in_type) x = x.cast(in_type);
    const auto start = Clock::now();
    MCONV_ASSIGN_OR_RETURN(std::vector<Tensor> o, session->run({x}));
    sample_ms.push_back(seconds_since(start) * 1000.0);
    outs.push_back(std::move(o.at(0)));
  }
  RunResult r{stack_f32(outs), "onnxruntime " + ort::onnxruntime_version(), 0,
              std::move(sample_ms)};
  Tensor x = item(batch, first);
  if (x.dtype() != in_type) x = x.cast(in_type);
  std::vector<double> times;
  for (int k = 0; timed_runs > 0 && k < timed_runs + 3; ++k) {
    const auto start = Clock::now();
    MCONV_RETURN_IF_ERROR(session->run({x}).status());
    if (k >= 3) times.push_back(seconds_since(start) * 1000.0);
  }
  r.latency_p50 = median(times);
  return r;
}

// An output as f32: integer outputs dequantized with the file's own output params.
Expected<Tensor> float_output(Tensor out, const std::vector<float>& scale,
                              const std::vector<int64_t>& zero_point) {
  if (out.dtype() == DType::kI8 || out.dtype() == DType::kU8) {
    if (scale.empty() || zero_point.empty())
      return Status::Error("integer output without quantization");
    out = report::dequantize(out, scale[0], zero_point[0]);
  }
  if (out.dtype() != DType::kF32) out = out.cast(DType::kF32);
  return out;
}

Expected<RunResult> run_tflite_file(const std::string& path, const Tensor& batch, int timed_runs,
                                    int threads, Rows rows) {
  MCONV_ASSIGN_OR_RETURN(auto session,
                         tflite_runtime::TfLiteSession::Load(path, {.threads = threads}));
  if (session->outputs().empty()) return Status::Error(path + ": the model has no outputs");
  const TensorSpec out_spec = session->outputs()[0];
  std::vector<Tensor> outs;
  const auto [first, end] = row_span(batch, rows);
  if (first >= end) return Status::Error(path + ": no samples to run");
  std::vector<double> sample_ms;
  for (int64_t i = first; i < end; ++i) {
    const Tensor x = item(batch, i);
    const auto start = Clock::now();
    MCONV_ASSIGN_OR_RETURN(std::vector<Tensor> o, session->run_batch({x}));
    sample_ms.push_back(seconds_since(start) * 1000.0);
    MCONV_ASSIGN_OR_RETURN(Tensor f,
                           float_output(std::move(o.at(0)), out_spec.scale, out_spec.zero_point));
    outs.push_back(std::move(f));
  }
  RunResult r{stack_f32(outs),
              "TensorFlow Lite " + tflite_runtime::tflite_version() + " native (" +
                  session->execution() + ")",
              0, std::move(sample_ms)};
  const Tensor x = item(batch, first);
  std::vector<double> times;
  for (int k = 0; timed_runs > 0 && k < timed_runs + 3; ++k) {
    const auto start = Clock::now();
    MCONV_RETURN_IF_ERROR(session->run_batch({x}).status());
    if (k >= 3) times.push_back(seconds_since(start) * 1000.0);
  }
  r.latency_p50 = median(times);
  return r;
}

Expected<RunResult> run_litert_file(const std::string& path, const Tensor& batch, int timed_runs) {
  std::string why;
  if (!litert::litert_available(&why)) return Status::Error("LiteRT not available: " + why);
  litert::LiteRtTiming timing;
  timing.engine = "litert";
  MCONV_ASSIGN_OR_RETURN(
      std::vector<Tensor> outs,
      litert::litert_run(path, {batch}, {}, timed_runs > 0 ? &timing : nullptr, timed_runs, 3));
  MCONV_ASSIGN_OR_RETURN(litert::LiteRtModelInfo info, litert::litert_info(path));
  const auto& o = info.outputs.at(0);
  MCONV_ASSIGN_OR_RETURN(Tensor out, float_output(outs.at(0), o.scale, o.zero_point));
  return RunResult{std::move(out), "LiteRT (" + timing.engine + ")", median(timing.times_ms)};
}

}  // namespace mconv::pipeline
