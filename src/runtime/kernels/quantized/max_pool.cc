// Integer MaxPool (TFLite MAX_POOL_2D on int8/uint8), NHWC: the largest code of the window taps
// inside the input (padding never wins). The ordering of codes is the ordering of real values, so
// the output must keep the input's parameters, as TFLite requires.
#include <limits>
#include <type_traits>

#include "runtime/kernels/kernel_util.h"
#include "runtime/kernels/quantized/pool_window.h"
#include "runtime/kernels/quantized/quantized_kernels.h"

namespace mconv::runtime::quantized {

KernelPtr create_max_pool_kernel(const ir::Node& node) {
  MCONV_ASSIGN_OR_RETURN(kernels::Window2d window, kernels::parse_window2d(node, true));
  MCONV_RETURN_IF_ERROR(check_pool_node(node, window));
  if (node.outputs.size() > 1 && node.outputs[1])
    return Status::Error("the integer MaxPool has no Indices output");
  MCONV_ASSIGN_OR_RETURN(QuantInfo xq, input_quant(node, 0, "X"));
  MCONV_ASSIGN_OR_RETURN(QuantInfo yq, output_quant(node, 0, "Y"));
  if (xq.dtype != yq.dtype || xq.scale != yq.scale || xq.zero_point != yq.zero_point)
    return Status::Error("output must keep the input's quantization (type, scale, zero point)");
  return make_quantized_pool_kernel(
      window, yq.dtype,
      [](const QuantizedPoolProblem& p, const auto* src, auto* dst, const ExecContext&) {
        using T = std::remove_pointer_t<decltype(dst)>;
        std::vector<T> best(static_cast<size_t>(p.channels));
        for_each_pool_window(
            p, src, [&] { std::fill(best.begin(), best.end(), std::numeric_limits<T>::lowest()); },
            [&](const T* px) {
              for (int64_t ch = 0; ch < p.channels; ++ch) best[ch] = std::max(best[ch], px[ch]);
            },
            [&](const PoolSpan&, const PoolSpan&) {
              dst = std::copy(best.begin(), best.end(), dst);
            });
      });
}

}  // namespace mconv::runtime::quantized
