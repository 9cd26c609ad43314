// mconv public API: loading and inspecting a model file (ONNX, TFLite or a PyTorch torchvision
// checkpoint). The format is told from the content, not the extension.
//
//   auto info = mconv::api::inspect_model("mobilenet.onnx");
//   if (!info.ok()) { std::cerr << info.status().message() << "\n"; return 1; }
//   std::cout << info->node_count << " nodes, input " << info->inputs[0].name << "\n";
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "mconv/status.h"

namespace mconv::api {

enum class Format { kOnnx, kTflite, kPyTorch };
enum class Precision { kFp32, kFp16, kInt8 };

const char* format_name(Format format);           // "ONNX", "TFLite", "PyTorch"
const char* precision_name(Precision precision);  // "fp32", "fp16", "int8"

// One input or output of a model.
struct TensorSpec {
  std::string name;            // as named in the file
  std::string dtype;           // "f32", "f16", "i8", "u8", "i32", "i64", ...
  std::vector<int64_t> shape;  // -1 for a dynamic dimension
  std::string layout;          // "NCHW" or "NHWC" for image tensors, else ""
};

struct ModelInfo {
  std::string path;                        // the file as given
  Format format = Format::kOnnx;           // detected from the content
  uint64_t file_bytes = 0;                 // size on disk
  Precision precision = Precision::kFp32;  // from the weights (integer/Q-DQ -> int8, f16 -> fp16)
  std::vector<TensorSpec> inputs;          // graph inputs, in order
  std::vector<TensorSpec> outputs;         // graph outputs, in order
  int64_t node_count = 0;                  // operators after import
  int64_t parameter_count = 0;             // elements of the constants the operators use
  std::vector<std::pair<std::string, int64_t>> op_counts;  // op -> count, most used first
};

// Reads and imports the file. `arch` names the torchvision architecture of a PyTorch checkpoint
// when it cannot be recognised from the weights ("" = recognise).
Result<ModelInfo> inspect_model(const std::string& path, const std::string& arch = "");

}  // namespace mconv::api
