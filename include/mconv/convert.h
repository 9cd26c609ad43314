// mconv public API: converting a model file into another format and/or precision, in-process.
// The target format comes from the output extension (.onnx or .tflite). The output is written
// atomically: on error nothing is left at `output`.
//
//   mconv::api::ConvertOptions options;
//   options.precision = mconv::api::Precision::kInt8;
//   options.calibration.images_dir = "calib/";   // JPEG/PNG images like the ones the app sees
//   auto converted = mconv::api::convert("model.onnx", "model_int8.tflite", options);
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "mconv/model.h"
#include "mconv/status.h"

namespace mconv::api {

// Images int8 post-training quantization calibrates on.
struct CalibrationOptions {
  std::string images_dir;  // folder of JPEG/PNG images (sorted by file name)
  size_t offset = 0;       // first image used
  size_t count = 200;      // images used (fewer when the folder has fewer)
  std::string preset;      // preprocessing torch|keras|unit|pm1|u8; "" = torch for ONNX and
                           // PyTorch sources, keras for TFLite sources
  int threads = 2;         // decoding and calibration threads
};

struct ConvertOptions {
  Precision precision = Precision::kFp32;  // numeric form of the output
  CalibrationOptions calibration;          // int8 only; without images_dir: seeded random inputs
  int onnx_opset = 17;                     // .onnx outputs: default-domain opset (13..18)
  bool keep_nchw_input = false;            // ONNX -> TFLite: keep NCHW inputs
  std::string arch;                        // PyTorch checkpoints: torchvision architecture
};

struct ConvertResult {
  std::string output;               // the file written
  Format format = Format::kTflite;  // its format
  Precision precision = Precision::kFp32;
  uint64_t file_bytes = 0;                  // its size
  std::vector<TensorSpec> inputs, outputs;  // its signature
  std::vector<std::string> passes;          // "name: N changes", in the order they ran
  std::vector<std::string> warnings;        // e.g. FP16 constants clamped into range
  int64_t calibration_images = 0;           // int8: images calibrated on
};

Result<ConvertResult> convert(const std::string& source, const std::string& output,
                              const ConvertOptions& options = {});

}  // namespace mconv::api
