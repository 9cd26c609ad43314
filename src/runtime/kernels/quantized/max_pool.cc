// Integer MaxPool (TFLite MAX_POOL_2D on int8/uint8), NHWC: the largest code of the window taps
// inside the input (padding never wins). The ordering of codes is the ordering of real values, so
// the output must keep the input's parameters, as TFLite requires.
#include <limits>

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
  const DType dtype = yq.dtype;
  return kernels::make_lambda_kernel(
      [=](KernelInputs in, std::vector<Tensor>& out, const ExecContext&) -> Status {
        MCONV_RETURN_IF_ERROR(kernels::require_input(in, 0, "X"));
        const Tensor& x = *in[0];
        MCONV_RETURN_IF_ERROR(require_tensor_dtype(x, dtype, "X"));
        MCONV_ASSIGN_OR_RETURN(QuantizedPoolProblem p, resolve_quantized_pool(window, x));
        out[0] = Tensor(dtype, p.output_shape());
        return dispatch_quantized(dtype, "X", [&](auto tag) {
          using T = decltype(tag);
          const T* src = x.data<T>();
          T* dst = out[0].data<T>();
          std::vector<T> best(static_cast<size_t>(p.channels));
          for (int64_t n = 0; n < p.batch; ++n)
            for (const PoolSpan& r : p.rows)
              for (const PoolSpan& c : p.cols) {
                std::fill(best.begin(), best.end(), std::numeric_limits<T>::lowest());
                for (int64_t h = r.begin; h < r.end; ++h)
                  for (int64_t w = c.begin; w < c.end; ++w) {
                    const T* px = src + ((n * p.in_h + h) * p.in_w + w) * p.channels;
                    for (int64_t ch = 0; ch < p.channels; ++ch)
                      best[ch] = std::max(best[ch], px[ch]);
                  }
                dst = std::copy(best.begin(), best.end(), dst);
              }
          return Status::Ok();
        });
      });
}

}  // namespace mconv::runtime::quantized
