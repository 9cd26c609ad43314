#include "pipeline/model_files.h"

#include <filesystem>

#include "core/file_io.h"
#include "onnx/onnx_importer.h"
#include "onnx/onnx_sniff.h"
#include "tflite/tflite_importer.h"
#include "tflite/tflite_sniff.h"
#include "torch/torch_importer.h"

namespace mconv::pipeline {

namespace {

std::string lower_extension(const std::string& path) {
  std::string ext = std::filesystem::path(path).extension().string();
  for (char& c : ext) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return ext;
}

Expected<ir::Model> import_tflite(const ModelFile& file) {
  tflite::TfliteImportOptions options;
  options.source_name = file.path;  // errors then name the file, as the CLI prints them
  return tflite::import_tflite_bytes(file.bytes, options);
}

}  // namespace

ModelFormat detect_model_format(const std::vector<uint8_t>& bytes) {
  if (tflite::has_tflite_identifier(bytes)) return ModelFormat::kTflite;
  if (torch::looks_like_torch_checkpoint(bytes)) return ModelFormat::kTorch;
  if (onnx::check_model_structure(bytes).ok()) return ModelFormat::kOnnx;
  return ModelFormat::kUnknown;
}

Expected<ModelFile> read_model_file(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return Status::Error("no such file");
  if (std::filesystem::is_directory(path, ec)) return Status::Error("is a directory");
  ModelFile file;
  file.path = path;
  MCONV_ASSIGN_OR_RETURN(file.bytes, read_file_bytes(path));
  if (file.bytes.empty()) return Status::Error("empty file");
  file.format = detect_model_format(file.bytes);
  if (file.format != ModelFormat::kUnknown) return file;

  std::string ext = lower_extension(path);
  if (ext == ".onnx")
    return Status::Error("not a valid ONNX file: " +
                         onnx::check_model_structure(file.bytes).message());
  if (ext == ".tflite") return Status::Error("not a TFLite file: no 'TFL3' identifier");
  if (ext == ".pth" || ext == ".pt")
    return Status::Error(
        "not a torch.save checkpoint (neither a ZIP archive nor the legacy format)");
  return Status::Error("unrecognised model format (expected ONNX, TFLite or a PyTorch checkpoint)");
}

Expected<ir::Model> import_model(const ModelFile& file) {
  switch (file.format) {
    case ModelFormat::kOnnx: {
      std::string dir = std::filesystem::path(file.path).parent_path().string();
      onnx::OnnxImportOptions options;
      options.source_name = file.path;  // errors then name the file, as the CLI prints them
      return onnx::import_onnx_bytes(file.bytes, dir.empty() ? "." : dir, options);
    }
    case ModelFormat::kTflite:
      return import_tflite(file);
    case ModelFormat::kTorch:
      return torch::import_torch_bytes(file.bytes, {.arch = file.arch, .source_name = file.path});
    case ModelFormat::kUnknown:
      break;
  }
  return Status::Error("unrecognised model format (expected ONNX or TFLite)");
}

Expected<ir::Model> load_model(const std::string& path) {
  MCONV_ASSIGN_OR_RETURN(ModelFile file, read_model_file(path));
  return import_model(file);
}

}  // namespace mconv::pipeline
