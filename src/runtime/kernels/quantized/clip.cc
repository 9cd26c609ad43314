// Integer Clip (TFLite RELU6 / RELU_N1_TO_1 / RELU_0_TO_1 and fused RELU6 on int8/uint8): the
// bounds are the node's optional f32 min/max inputs, real values that must be constants.
#include <limits>

#include "runtime/kernels/quantized/clamp_activation.h"
#include "runtime/kernels/quantized/quantized_kernels.h"

namespace mconv::runtime::quantized {
namespace {

// The real bound held by input `index`: +-infinity when omitted; error unless a constant f32.
Expected<float> bound(const ir::Node& node, size_t index, float absent, const char* what) {
  if (index >= node.inputs.size() || !node.inputs[index]) return absent;
  const Tensor* t = node.inputs[index]->constant.get();
  if (!t || t->dtype() != DType::kF32 || t->element_count() != 1)
    return Status::Error(std::string("the integer Clip needs ") + what +
                         " as one constant f32 value");
  return t->data<float>()[0];
}

}  // namespace

KernelPtr create_clip_kernel(const ir::Node& node) {
  constexpr float kInf = std::numeric_limits<float>::infinity();
  MCONV_ASSIGN_OR_RETURN(float lo, bound(node, 1, -kInf, "min"));
  MCONV_ASSIGN_OR_RETURN(float hi, bound(node, 2, kInf, "max"));
  return create_clamp_kernel(node, lo, hi);
}

}  // namespace mconv::runtime::quantized
