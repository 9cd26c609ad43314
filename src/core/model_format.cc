#include "core/model_format.h"

namespace mconv {

std::string_view model_format_name(ModelFormat format) {
  switch (format) {
    case ModelFormat::kOnnx:
      return "ONNX";
    case ModelFormat::kTflite:
      return "TFLite";
    case ModelFormat::kTorch:
      return "PyTorch";
    case ModelFormat::kUnknown:
      break;
  }
  return "unknown";
}

}  // namespace mconv
