// Shared geometry of the 2-D pools (AveragePool, MaxPool): the resolved problem and, per output
// row/column, which window taps land inside the input.
#pragma once

#include <cstdint>
#include <vector>

#include "core/tensor.h"
#include "runtime/kernels/window2d.h"

namespace mconv::runtime::kernels {

// Taps of one window along one axis: tap t reads input position start + t * dilation.
struct TapSpan {
  int64_t start = 0;     // input position of tap 0 (may be negative: leading pad)
  int64_t first = 0;     // first tap inside the input
  int64_t last = 0;      // one past the last tap inside the input
  int64_t with_pad = 0;  // taps inside input + explicit pads (count_include_pad divisor)
};

struct PoolProblem {
  int64_t batch = 0, channels = 0;         // N, C
  int64_t in_h = 0, in_w = 0;              // input spatial extent
  int64_t out_h = 0, out_w = 0;            // output spatial extent
  int64_t dilation_h = 1, dilation_w = 1;  // tap step
  std::vector<TapSpan> rows;               // per output row
  std::vector<TapSpan> cols;               // per output column
  bool nhwc = false;                       // channels-last activations

  std::vector<int64_t> output_shape() const {
    return nhwc ? std::vector<int64_t>{batch, out_h, out_w, channels}
                : std::vector<int64_t>{batch, channels, out_h, out_w};
  }
};

// Resolves the window against a rank-4 f32 input.
Expected<PoolProblem> resolve_pool(const Window2d& window, const Tensor& x, bool nhwc);

}  // namespace mconv::runtime::kernels
