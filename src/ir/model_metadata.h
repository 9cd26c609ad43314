// What a model file says about how to use it, independent of the file format: who made it, how
// images become its input, and the names of its output classes. The TFLite exporter writes it as
// TFLite model metadata (tflite/metadata/), the ONNX exporter as metadata_props
// (onnx/onnx_metadata.h); the importers read it back, so a conversion carries it over.
#pragma once

#include <array>
#include <optional>
#include <string>
#include <vector>

namespace mconv::ir {

// How 0..255 RGB pixels become the model's float input, per channel (R, G, B):
//   input = (pixel - mean[c]) / std[c]
// This is exactly TFLite's NormalizationOptions (pixel units), so every preprocessing preset maps
// onto it: keras mean 0 std 1, pm1 127.5/127.5, unit 0/255, torch 255 x the ImageNet mean/std.
struct ImageNormalization {
  std::array<float, 3> mean = {0, 0, 0};  // subtracted from the 0..255 pixel
  std::array<float, 3> std = {1, 1, 1};   // divides the result
};

// The image input the model expects.
struct ImageInputMetadata {
  int width = 0;                                    // default input width (0 = unknown)
  int height = 0;                                   // default input height (0 = unknown)
  bool channels_last = true;                        // NHWC (true) or NCHW
  std::optional<ImageNormalization> normalization;  // absent: raw pixels (integer inputs)
  std::string preset;  // the mconv preset these values are, when one is ("torch", ...)
};

struct ModelMetadata {
  std::string name;                         // model name shown by apps
  std::string description;                  // one sentence on what it does
  std::string version;                      // model version ("1")
  std::string author;                       // who made it
  std::string license;                      // its license
  std::optional<ImageInputMetadata> image;  // absent when the input is not an image
  std::vector<std::string> labels;          // output class names, class 0 first
  std::string min_parser_version;           // TFLite only: as read from a file ("1.0.0")

  bool empty() const {
    return name.empty() && description.empty() && version.empty() && author.empty() &&
           license.empty() && !image && labels.empty();
  }
};

}  // namespace mconv::ir
