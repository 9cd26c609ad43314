// Window geometry of the integer 2-D pools (NHWC, no dilation, as TFLite's pools): per output
// row/column the input range the window covers and the pad-inclusive tap count.
#pragma once

#include <cstdint>
#include <vector>

#include "core/tensor.h"
#include "runtime/kernels/window2d.h"

namespace mconv::runtime::quantized {

// Window of one output position along one axis.
struct PoolSpan {
  int64_t begin = 0;     // first input index inside the window and the input
  int64_t end = 0;       // one past the last
  int64_t with_pad = 0;  // taps inside input + explicit pads (count_include_pad divisor)
};

struct QuantizedPoolProblem {
  int64_t batch = 0, channels = 0;  // N, C
  int64_t in_h = 0, in_w = 0;       // input spatial extent
  std::vector<PoolSpan> rows;       // per output row
  std::vector<PoolSpan> cols;       // per output column
  std::vector<int64_t> output_shape() const {
    return {batch, static_cast<int64_t>(rows.size()), static_cast<int64_t>(cols.size()), channels};
  }
};

// Fails unless the node is an NHWC pool without dilation.
Status check_pool_node(const ir::Node& node, const kernels::Window2d& window);

// Resolves the window against a rank-4 NHWC input.
Expected<QuantizedPoolProblem> resolve_quantized_pool(const kernels::Window2d& window,
                                                      const Tensor& x);

}  // namespace mconv::runtime::quantized
