// mconv/model.h over the pipeline's model files and summaries.
#include "api/api_types.h"
#include "mconv/model.h"
#include "pipeline/model_summary.h"
#include "pipeline/variant_runs.h"
#include "pipeline/verify.h"

namespace mconv::api {

const char* format_name(Format format) {
  switch (format) {
    case Format::kOnnx:
      return "ONNX";
    case Format::kTflite:
      return "TFLite";
    case Format::kPyTorch:
      return "PyTorch";
  }
  return "unknown";
}

const char* precision_name(Precision precision) {
  switch (precision) {
    case Precision::kFp32:
      return "fp32";
    case Precision::kFp16:
      return "fp16";
    case Precision::kInt8:
      return "int8";
  }
  return "unknown";
}

pipeline::Precision to_pipeline(Precision precision) {
  switch (precision) {
    case Precision::kFp32:
      return pipeline::Precision::kFp32;
    case Precision::kFp16:
      return pipeline::Precision::kFp16;
    case Precision::kInt8:
      return pipeline::Precision::kInt8;
  }
  return pipeline::Precision::kFp32;
}

Precision to_api(pipeline::Precision precision) {
  switch (precision) {
    case pipeline::Precision::kFp32:
      return Precision::kFp32;
    case pipeline::Precision::kFp16:
      return Precision::kFp16;
    case pipeline::Precision::kInt8:
      return Precision::kInt8;
  }
  return Precision::kFp32;
}

Format to_api(pipeline::ModelFormat format) {
  switch (format) {
    case pipeline::ModelFormat::kTflite:
      return Format::kTflite;
    case pipeline::ModelFormat::kTorch:
      return Format::kPyTorch;
    case pipeline::ModelFormat::kOnnx:
    case pipeline::ModelFormat::kUnknown:
      break;
  }
  return Format::kOnnx;
}

std::vector<TensorSpec> tensor_specs(const std::vector<ir::Value*>& values) {
  std::vector<TensorSpec> out;
  for (const report::TensorInfo& t : pipeline::tensor_infos(values))
    out.push_back({t.name, t.dtype, t.shape, t.layout});
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
