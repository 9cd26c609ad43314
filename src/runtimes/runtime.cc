#include "runtimes/runtime.h"

#include <chrono>
#include <iterator>

#include "litert/litert.h"
#include "runtimes/adapters.h"

namespace mconv::runtimes {

namespace {

// One row per kind, in enum order: its command-line name and what messages call it.
struct KindNames {
  RuntimeKind kind;
  std::string_view name;
  std::string_view title;
};
constexpr KindNames kKindNames[] = {
    {RuntimeKind::kOrt, "ort", "ONNX Runtime"},
    {RuntimeKind::kTflite, "tflite", "native TensorFlow Lite"},
    {RuntimeKind::kLitert, "litert", "LiteRT"},
    {RuntimeKind::kRef, "ref", "the reference interpreter"},
};
constexpr bool rows_follow_the_enum() {
  if (std::size(kKindNames) != std::size(kAllRuntimeKinds)) return false;
  for (size_t i = 0; i < std::size(kKindNames); ++i)
    if (kKindNames[i].kind != kAllRuntimeKinds[i] || static_cast<size_t>(kAllRuntimeKinds[i]) != i)
      return false;
  return true;
}
static_assert(rows_follow_the_enum(), "kKindNames needs one row per RuntimeKind, in enum order");

}  // namespace

std::string_view runtime_name(RuntimeKind kind) {
  return kKindNames[static_cast<size_t>(kind)].name;
}

std::string_view runtime_title(RuntimeKind kind) {
  return kKindNames[static_cast<size_t>(kind)].title;
}

Expected<RuntimeKind> runtime_from_name(std::string_view name) {
  for (RuntimeKind kind : kAllRuntimeKinds)
    if (runtime_name(kind) == name) return kind;
  return Status::Error("unknown runtime '" + std::string(name) +
                       "' (choose ort, tflite, litert or ref)");
}

RuntimeKind default_runtime(ModelFormat format) {
  switch (format) {
    case ModelFormat::kOnnx:
      return RuntimeKind::kOrt;
    case ModelFormat::kTflite:
      return RuntimeKind::kTflite;
    case ModelFormat::kTorch:
    case ModelFormat::kUnknown:
      break;
  }
  return RuntimeKind::kRef;
}

Status check_runs_format(RuntimeKind kind, ModelFormat format) {
  const std::string this_is = " (this is " + std::string(model_format_name(format)) + ")";
  switch (kind) {
    case RuntimeKind::kOrt:
      if (format == ModelFormat::kOnnx) return Status::Ok();
      return Status::Error("runtime 'ort' runs ONNX files only" + this_is);
    case RuntimeKind::kTflite:
    case RuntimeKind::kLitert:
      if (format == ModelFormat::kTflite) return Status::Ok();
      return Status::Error("runtime '" + std::string(runtime_name(kind)) +
                           "' runs TFLite files only" + this_is);
    case RuntimeKind::kRef:
      break;
  }
  return Status::Ok();
}

bool runtime_available(RuntimeKind kind, std::string* why) {
  if (kind == RuntimeKind::kLitert) return litert::litert_available(why);
  return true;  // linked into this process
}

std::optional<RuntimeKind> fallback_runtime(RuntimeKind missing, bool asked_by_user) {
  if (!asked_by_user && missing == RuntimeKind::kLitert) return RuntimeKind::kRef;
  return std::nullopt;
}

Expected<RunTiming> Runtime::time_runs(const std::vector<Tensor>& inputs, int warmup, int runs,
                                       const std::function<void()>& after_each_run) {
  using Clock = std::chrono::steady_clock;
  auto run_ms = [&](double* ms) -> Status {
    const auto start = Clock::now();
    MCONV_RETURN_IF_ERROR(run(inputs).status());
    if (ms) *ms = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
    if (after_each_run) after_each_run();
    return Status::Ok();
  };
  RunTiming timing;
  MCONV_RETURN_IF_ERROR(run_ms(&timing.first_ms));
  for (int w = 0; w < warmup; ++w) MCONV_RETURN_IF_ERROR(run_ms(nullptr));
  for (int r = 0; r < runs; ++r) {
    double ms = 0;
    MCONV_RETURN_IF_ERROR(run_ms(&ms));
    timing.times_ms.push_back(ms);
  }
  return timing;
}

Expected<std::unique_ptr<Runtime>> open_runtime(RuntimeKind kind, const std::string& path,
                                                ModelFormat format, const RuntimeOptions& options) {
  MCONV_RETURN_IF_ERROR(check_runs_format(kind, format));
  switch (kind) {
    case RuntimeKind::kOrt:
      return detail::open_ort(path, options);
    case RuntimeKind::kTflite:
      return detail::open_tflite(path, options);
    case RuntimeKind::kLitert:
      return detail::open_litert(path, options);
    case RuntimeKind::kRef:
      break;
  }
  return Status::Error("the reference interpreter runs an imported graph, not a file");
}

Expected<std::unique_ptr<Runtime>> open_runtime(ir::Model model, const RuntimeOptions& options) {
  return detail::open_reference(std::make_unique<ir::Model>(std::move(model)), nullptr, options);
}

Expected<std::unique_ptr<Runtime>> open_runtime(const ir::Graph& graph,
                                                const RuntimeOptions& options) {
  return detail::open_reference(nullptr, &graph, options);
}

std::vector<TensorSpec> specs_of(const std::vector<ir::Value*>& values) {
  std::vector<TensorSpec> specs;
  for (const ir::Value* v : values) {
    TensorSpec spec;
    spec.name = v->name;
    spec.dtype = v->dtype;
    spec.has_shape = v->has_shape;
    if (v->has_shape) {
      spec.shape = ir::static_dims(v->shape);
      for (const auto& d : v->shape) spec.dim_names.push_back(d.known() ? "" : d.symbol);
      spec.layout = image_layout(spec.shape);
    }
    if (v->quant) {
      spec.scale = v->quant->scale;
      spec.zero_point = v->quant->zero_point;
    }
    specs.push_back(std::move(spec));
  }
  return specs;
}

}  // namespace mconv::runtimes
