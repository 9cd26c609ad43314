// Scale / zero-point handling shared by QuantizeLinear and DequantizeLinear (ONNX semantics):
// a one-element scale is per-tensor, a 1-D scale is per-axis along `axis` (default 1).
#pragma once

#include <cstdint>
#include <vector>

#include "runtime/kernels/kernel_util.h"

namespace mconv::runtime::kernels {

// x viewed as [outer, channels, inner]; channel c uses scale[c] and zero_point[c].
struct QuantView {
  int64_t outer = 1;                // product of dims before the axis (all dims when per-tensor)
  int64_t channels = 1;             // 1 when per-tensor
  int64_t inner = 1;                // product of dims after the axis
  std::vector<float> scale;         // one per channel
  std::vector<int64_t> zero_point;  // one per channel (0 when absent)
};

// Validates shapes and dtypes. `zero_point` may be null.
Expected<QuantView> resolve_quant_view(const Tensor& x, const Tensor& scale,
                                       const Tensor* zero_point, int64_t axis);

// Rejects the opset-21 blocked quantization this interpreter does not implement.
Status check_no_block_size(const ir::Node& node);

}  // namespace mconv::runtime::kernels
