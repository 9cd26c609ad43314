// The steps around convert_model when one source file becomes one output file (`mconv convert
// SOURCE -o OUT.onnx|.tflite` and the public API's convert): where the output may go, which
// preprocessing the source takes, and writing the converted bytes.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/status.h"
#include "ir/graph.h"
#include "pipeline/model_files.h"

namespace mconv::pipeline {

// The output's directory must exist and the output must not be a directory or the source.
Status check_output_path(const std::string& out, const std::string& source);

// The preprocessing preset of a source (calibration, verification, the metadata written): what
// its metadata says, else torch for ONNX and PyTorch sources, keras for TFLite ones.
std::string default_preset(const ir::Model& source, ModelFormat source_format);

// Counts the operators of converted `bytes` (so a file that does not parse back is never written)
// and writes them atomically to `out`; returns the count.
Expected<int64_t> write_converted(const std::string& out, const std::vector<uint8_t>& bytes,
                                  ModelFormat target);

}  // namespace mconv::pipeline
