// mconv/convert.h over the pipeline's convert_model: read, import, convert, write atomically.
#include <filesystem>
#include <string>

#include "api/api_types.h"
#include "mconv/convert.h"
#include "pipeline/convert_file.h"

namespace mconv::api {

Result<ConvertResult> convert(const std::string& source, const std::string& output,
                              const ConvertOptions& options) {
  pipeline::ConvertOptions o;
  o.target = pipeline::format_for_output_path(output);
  if (o.target == pipeline::ModelFormat::kUnknown)
    return Status::Error(output + ": expected a .onnx or .tflite output path");
  if (auto s = pipeline::check_output_path(output, source); !s.ok())
    return to_api(s.with_context(output));
  if (options.onnx_opset < 13 || options.onnx_opset > 18)
    return Status::Error("onnx_opset must be in 13..18, got " + std::to_string(options.onnx_opset));
  auto file = pipeline::read_model_file(source);
  if (!file.ok()) return to_api(file.status().with_context(source));
  file->arch = options.arch;
  o.precision = to_pipeline(options.precision);
  o.opset = options.onnx_opset;
  o.keep_nchw_input = options.keep_nchw_input && o.target == pipeline::ModelFormat::kTflite;
  if (o.precision == pipeline::Precision::kInt8) {
    const CalibrationOptions& c = options.calibration;
    o.calibration.dir = c.images_dir;
    o.calibration.offset = c.offset;
    o.calibration.count = c.count;
    o.calibration.threads = c.threads;
    o.calibration.synthetic = c.images_dir.empty() ? 32 : 0;
    // Random inputs: the quantizer form measured best on them (quant/ptq.h).
    if (c.images_dir.empty()) o.ptq = quant::synthetic_calibration_ptq_options();
  }
  auto model = pipeline::import_model(*file);
  if (!model.ok()) return to_api(model.status());
  // The preset calibration uses is also the one the file's metadata records.
  o.calibration.preset = !options.calibration.preset.empty()
                             ? options.calibration.preset
                             : pipeline::default_preset(*model, file->format);
  o.metadata.preset = o.calibration.preset;
  o.metadata.name = std::filesystem::path(source).stem().string();
  file->bytes.clear();

  pipeline::ConvertReport report;
  auto bytes = pipeline::convert_model(*model, o, &report);
  if (!bytes.ok()) return to_api(bytes.status().with_context(source));
  if (auto written = pipeline::write_converted(output, *bytes, o.target); !written.ok())
    return to_api(written.status().with_context(output));

  ConvertResult result;
  result.output = output;
  result.format = to_api(o.target);
  result.precision = options.precision;
  result.file_bytes = bytes->size();
  result.inputs = tensor_specs(model->graph.inputs);
  result.outputs = tensor_specs(model->graph.outputs);
  for (const auto& pass : report.passes)
    result.passes.push_back(pass.name + ": " + std::to_string(pass.changes) + " changes");
  result.warnings = report.warnings;
  result.calibration_images = report.calibration_images;
  return result;
}

}  // namespace mconv::api
