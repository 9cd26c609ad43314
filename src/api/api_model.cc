// mconv/model.h over the pipeline's model files and summaries.
#include "api/api_types.h"
#include "mconv/model.h"
#include "pipeline/model_summary.h"
#include "pipeline/verify.h"
#include "runtimes/runtime.h"

namespace mconv::api {

// The public enums mirror the pipeline's (same order), so the translation is a cast; these
// checks fail the build if either side changes.
static_assert(static_cast<int>(Precision::kFp32) == static_cast<int>(pipeline::Precision::kFp32) &&
              static_cast<int>(Precision::kFp16) == static_cast<int>(pipeline::Precision::kFp16) &&
              static_cast<int>(Precision::kInt8) == static_cast<int>(pipeline::Precision::kInt8));

pipeline::Precision to_pipeline(Precision precision) {
  return static_cast<pipeline::Precision>(precision);
}
Precision to_api(pipeline::Precision precision) {
  return static_cast<Precision>(precision);
}

Format to_api(pipeline::ModelFormat format) {
  if (format == pipeline::ModelFormat::kTflite) return Format::kTflite;
  if (format == pipeline::ModelFormat::kTorch) return Format::kPyTorch;
  return Format::kOnnx;
}

// The names are the pipeline's (string literals, so data() is null-terminated).
const char* format_name(Format format) {
  const pipeline::ModelFormat f = format == Format::kTflite    ? pipeline::ModelFormat::kTflite
                                  : format == Format::kPyTorch ? pipeline::ModelFormat::kTorch
                                                               : pipeline::ModelFormat::kOnnx;
  return pipeline::model_format_name(f).data();
}

const char* precision_name(Precision precision) {
  return pipeline::precision_name(to_pipeline(precision)).data();
}

std::vector<TensorSpec> tensor_specs(const std::vector<ir::Value*>& values) {
  std::vector<TensorSpec> out;
  for (const ::mconv::TensorSpec& t : runtimes::specs_of(values))
    out.push_back({t.name, std::string(dtype_name(t.dtype)), t.shape, t.layout});
  return out;
}

Result<ModelInfo> inspect_model(const std::string& path, const std::string& arch) {
  auto file = pipeline::read_model_file(path);
  if (!file.ok()) return to_api(file.status().with_context(path));
  file->arch = arch;
  auto model = pipeline::import_model(*file);
  if (!model.ok()) return to_api(model.status());
  const pipeline::ModelSummary summary = pipeline::summarize_model(*file, *model);
  ModelInfo info;
  info.path = path;
  info.format = to_api(file->format);
  info.file_bytes = summary.file_bytes;
  info.precision = to_api(pipeline::infer_precision(model->graph));
  info.inputs = tensor_specs(model->graph.inputs);
  info.outputs = tensor_specs(model->graph.outputs);
  info.node_count = summary.node_count;
  info.parameter_count = summary.parameter_count;
  info.op_counts = summary.op_counts;
  return info;
}

}  // namespace mconv::api
