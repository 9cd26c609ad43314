// The registry of delegates: the key and name each is reported under, the model format it reads
// and the upstream file its table was written from. Report order is table order.
#include "delegates/delegate_spec.h"

namespace mconv::delegates {
namespace {

const DelegateSpec kDelegates[] = {
    {"xnnpack", "XNNPACK", "tflite",
     "tensorflow/tensorflow: tensorflow/lite/delegates/xnnpack/xnnpack_delegate.cc", kXnnpackTable},
    {"tflite-gpu", "GPU delegate", "tflite",
     "tensorflow/tensorflow: tensorflow/lite/tools/versioning/gpu_compatibility.cc",
     kTfliteGpuTable},
    {"tflite-coreml", "Core ML delegate", "tflite",
     "tensorflow/tensorflow: tensorflow/lite/delegates/coreml/coreml_delegate.mm",
     kTfliteCoremlTable},
    {"ort-cpu", "ORT CPU (fused integer kernels)", "onnx",
     "microsoft/onnxruntime: "
     "onnxruntime/core/optimizer/qdq_transformer/selectors_actions/"
     "qdq_selector_action_transformer.cc",
     kOrtCpuTable},
    {"ort-coreml-nn", "CoreML EP (NeuralNetwork)", "onnx",
     "microsoft/onnxruntime: tools/ci_build/github/apple/coreml_supported_ops.md",
     kOrtCoremlNeuralNetworkTable},
    {"ort-coreml-mlprogram", "CoreML EP (MLProgram)", "onnx",
     "microsoft/onnxruntime: tools/ci_build/github/apple/coreml_supported_mlprogram_ops.md",
     kOrtCoremlMlProgramTable},
    {"ort-nnapi", "NNAPI EP", "onnx",
     "microsoft/onnxruntime: "
     "onnxruntime/core/providers/nnapi/nnapi_builtin/builders/op_builder_factory.cc",
     kOrtNnapiTable},
};

}  // namespace

std::span<const DelegateSpec> all_delegate_specs() {
  return kDelegates;
}

}  // namespace mconv::delegates
