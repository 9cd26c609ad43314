// The model file formats mconv reads, as one enum every part names them by (the pipeline detects
// them from content, the runtimes say which format each runs).
#pragma once

#include <string_view>

namespace mconv {

enum class ModelFormat {
  kUnknown,  // none of the formats below
  kOnnx,     // ONNX ModelProto (protobuf)
  kTflite,   // TFLite flatbuffer ("TFL3" file identifier)
  kTorch,    // torch.save checkpoint (ZIP archive or legacy pickle) of a torchvision classifier
};
std::string_view model_format_name(ModelFormat format);  // "ONNX", "TFLite", "PyTorch", "unknown"

}  // namespace mconv
