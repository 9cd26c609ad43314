// Data-movement ops on quantized values: the float table's kernels already copy elements of any
// dtype, and a copy is exact only when the output keeps the input's scale and zero point (TFLite
// requires that of RESHAPE, TRANSPOSE, GATHER, SLICE, SPLIT, SQUEEZE, ...). A node that changes
// them would need a requantization the source format never asks of these ops, so it is refused.
#include "runtime/kernels/kernel_factories.h"
#include "runtime/kernels/quantized/quantized_kernels.h"

namespace mconv::runtime::quantized {
namespace {

bool same_quant(const ir::QuantParams& a, const ir::QuantParams& b) {
  return a.scale == b.scale && a.zero_point == b.zero_point && a.axis == b.axis;
}

// Checks every quantized output against the node's data input (input 0), then builds the
// generic kernel.
KernelPtr checked_passthrough(const ir::Node& node, KernelFactory generic) {
  const ir::Value* in = node.inputs.empty() ? nullptr : node.inputs[0];
  if (!in || !in->quant)
    return Status::Error("quantized data input has no quantization parameters");
  for (const ir::Value* out : node.outputs) {
    if (!out || !out->quant) continue;
    if (out->dtype != in->dtype || !same_quant(*out->quant, *in->quant))
      return Status::Error("output '" + out->name + "' changes the quantization of input '" +
                           in->name + "'; a quantized copy op must keep scale and zero point");
  }
  return generic(node);
}

}  // namespace

KernelPtr create_reshape_kernel(const ir::Node& node) {
  return checked_passthrough(node, kernels::create_reshape_kernel);
}
KernelPtr create_flatten_kernel(const ir::Node& node) {
  return checked_passthrough(node, kernels::create_flatten_kernel);
}
KernelPtr create_transpose_kernel(const ir::Node& node) {
  return checked_passthrough(node, kernels::create_transpose_kernel);
}
KernelPtr create_squeeze_kernel(const ir::Node& node) {
  return checked_passthrough(node, kernels::create_squeeze_kernel);
}
KernelPtr create_unsqueeze_kernel(const ir::Node& node) {
  return checked_passthrough(node, kernels::create_unsqueeze_kernel);
}
KernelPtr create_identity_kernel(const ir::Node& node) {
  return checked_passthrough(node, kernels::create_identity_kernel);
}
KernelPtr create_dropout_kernel(const ir::Node& node) {
  return checked_passthrough(node, kernels::create_dropout_kernel);
}
KernelPtr create_slice_kernel(const ir::Node& node) {
  return checked_passthrough(node, kernels::create_slice_kernel);
}
KernelPtr create_split_kernel(const ir::Node& node) {
  return checked_passthrough(node, kernels::create_split_kernel);
}
KernelPtr create_gather_kernel(const ir::Node& node) {
  return checked_passthrough(node, kernels::create_gather_kernel);
}

}  // namespace mconv::runtime::quantized
