#include "pipeline/variant_runs.h"

#include <algorithm>
#include <cstring>

#include "core/bytes.h"
#include "pipeline/model_runs.h"
#include "runtimes/runtime.h"

namespace mconv::pipeline {

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// Where the channels of a rank-4 image tensor are: "NCHW", "NHWC", or "" for anything else.
std::string image_layout_of(const ir::Value& v) {
  if (!v.has_shape) return "";
  return image_layout(ir::static_dims(v.shape));
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

Tensor row_range(const Tensor& batch, int64_t first, int64_t count) {
  std::vector<int64_t> shape = batch.shape();
  const size_t row_bytes = batch.byte_size() / static_cast<size_t>(shape[0]);
  shape[0] = count;
  Tensor t(batch.dtype(), shape);
  copy_bytes(t.raw(), batch.raw() + row_bytes * static_cast<size_t>(first),
             row_bytes * static_cast<size_t>(count));
  return t;
}

Tensor item(const Tensor& batch, int64_t i) {
  return row_range(batch, i, 1);
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

// Runs every sample through the reference interpreter (the one Runtime interface); outputs of
// output 0 stacked.
Expected<Tensor> run_interpreter(const ir::Graph& graph, const Tensor& batch,
                                 ProgressStage* progress) {
  MCONV_ASSIGN_OR_RETURN(auto runtime, runtimes::open_runtime(graph));
  MCONV_ASSIGN_OR_RETURN(RunResult run, run_samples(*runtime, batch, 0, progress));
  return std::move(run.outputs);
}

double median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[(v.size() - 1) / 2];
}

}  // namespace mconv::pipeline
