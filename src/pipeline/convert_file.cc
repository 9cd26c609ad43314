#include "pipeline/convert_file.h"

#include <filesystem>

#include "core/file_io.h"
#include "pipeline/convert_pipeline.h"
#include "pipeline/metadata.h"

namespace mconv::pipeline {

Status check_output_path(const std::string& out, const std::string& source) {
  std::error_code ec;
  const std::filesystem::path path(out);
  if (path.filename().empty()) return Status::Error("is a directory");
  const std::filesystem::path dir = path.parent_path();
  if (!dir.empty() && !std::filesystem::is_directory(dir, ec))
    return Status::Error("directory " + dir.string() + " does not exist");
  if (std::filesystem::is_directory(path, ec)) return Status::Error("is a directory");
  if (is_same_file(out, source))
    return Status::Error("is the source file; choose another output name");
  return Status::Ok();
}

std::string default_preset(const ir::Model& source, ModelFormat source_format) {
  std::string preset = preset_from_metadata(source.metadata);
  if (preset.empty()) preset = source_format == ModelFormat::kTflite ? "keras" : "torch";
  return preset;
}

Expected<int64_t> write_converted(const std::string& out, const std::vector<uint8_t>& bytes,
                                  ModelFormat target) {
  MCONV_ASSIGN_OR_RETURN(int64_t operators, count_operators(bytes, target));
  MCONV_RETURN_IF_ERROR(write_file_atomic(out, bytes));
  return operators;
}

}  // namespace mconv::pipeline
