// Model files as the CLI sees them: read a file, tell its format from its content (falling back
// on the extension for the error message), and import it into the IR with the right importer.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/model_format.h"
#include "core/status.h"
#include "ir/graph.h"

namespace mconv::pipeline {

// The format enum lives in core (core/model_format.h) so the runtimes can name it too.
using ::mconv::model_format_name;
using ::mconv::ModelFormat;

struct ModelFile {
  std::string path;                            // as given by the user
  std::vector<uint8_t> bytes;                  // the whole file
  ModelFormat format = ModelFormat::kUnknown;  // detected from the content
  std::string arch;  // PyTorch checkpoints: torchvision architecture (--arch); empty = recognise
};

// Content sniffing only, each format asking its own importer part: 'TFL3' at bytes 4..8
// (tflite/tflite_sniff.h), a ZIP archive or torch's legacy magic number (torch/checkpoint.h), or
// a well-formed top-level ONNX ModelProto (onnx/onnx_sniff.h).
ModelFormat detect_model_format(const std::vector<uint8_t>& bytes);

// Reads the file and identifies it. Errors (one line, without the path): no such file, empty
// file, truncated/invalid ONNX (when named .onnx), not TFLite (when named .tflite), unknown format.
Expected<ModelFile> read_model_file(const std::string& path);
// Imports an identified file into the IR.
Expected<ir::Model> import_model(const ModelFile& file);
// read_model_file + import_model.
Expected<ir::Model> load_model(const std::string& path);

}  // namespace mconv::pipeline
