// Integer Softmax (TFLite SOFTMAX on int8/uint8, last axis, beta folded to 1 by the importer) as
// TFLite's optimized kernel computes it, which is what its interpreter runs by default:
//   - a float table exp(-s_in * d) for every code distance d = max - x in [0, 255];
//   - per row: the largest code, the float sum of the table entries in element order;
//   - each output = table entry / (sum * s_out), quantized (uint8: truncation of + 0.5; int8:
//     round half away from zero) plus the output zero point, clamped.
#include <cmath>

#include "ir/op_attributes.h"
#include "runtime/kernels/kernel_util.h"
#include "runtime/kernels/quantized/quantized_kernels.h"

namespace mconv::runtime::quantized {

KernelPtr create_softmax_kernel(const ir::Node& node) {
  MCONV_ASSIGN_OR_RETURN(QuantInfo xq, input_quant(node, 0, "input"));
  MCONV_ASSIGN_OR_RETURN(QuantInfo yq, output_quant(node, 0, "output"));
  MCONV_RETURN_IF_ERROR(require_same_dtype(xq, yq));
  const int64_t axis_attr = ir::axis_attribute(node);
  // exp_of_distance[d] = exp(-s_in * d): TFLite fills table[255 - d] with the same values.
  std::vector<float> exp_of_distance(256);
  const float scale = -static_cast<float>(xq.scale[0]);
  for (int d = 0; d < 256; ++d) exp_of_distance[d] = std::exp(scale * static_cast<float>(d));
  const float out_scale = static_cast<float>(yq.scale[0]);
  const int32_t out_zp = yq.zero_point[0];
  const DType dtype = yq.dtype;
  return kernels::make_lambda_kernel(
      [=](KernelInputs in, std::vector<Tensor>& out, const ExecContext&) -> Status {
        MCONV_RETURN_IF_ERROR(kernels::require_input(in, 0, "input"));
        const Tensor& x = *in[0];
        MCONV_RETURN_IF_ERROR(require_tensor_dtype(x, dtype, "input"));
        if (x.rank() == 0) return Status::Error("input " + x.describe() + " must have rank >= 1");
        MCONV_ASSIGN_OR_RETURN(int64_t axis, kernels::normalize_axis(axis_attr, x.rank()));
        if (axis != x.rank() - 1)
          return Status::Error("the integer Softmax normalizes over the last axis only, got axis " +
                               std::to_string(axis_attr));
        out[0] = Tensor(dtype, x.shape());
        const int64_t depth = x.dim(x.rank() - 1);
        if (depth == 0) return Status::Ok();
        const int64_t rows = x.element_count() / depth;
        return dispatch_quantized(dtype, "input", [&](auto tag) {
          using T = decltype(tag);
          const T* src = x.data<T>();
          T* dst = out[0].data<T>();
          const int32_t lo = dtype_min(dtype), hi = dtype_max(dtype);
          for (int64_t r = 0; r < rows; ++r, src += depth, dst += depth) {
            int32_t max_code = lo;
            for (int64_t j = 0; j < depth; ++j) max_code = std::max<int32_t>(max_code, src[j]);
            float sum = 0.0f;
            for (int64_t j = 0; j < depth; ++j) sum += exp_of_distance[max_code - src[j]];
            const float inv = 1.0f / (sum * out_scale);
            for (int64_t j = 0; j < depth; ++j) {
              const float p = exp_of_distance[max_code - src[j]] * inv;
              const int32_t q = std::is_same_v<T, uint8_t>
                                    ? static_cast<int32_t>(p + 0.5f) + out_zp
                                    : static_cast<int32_t>(std::round(p)) + out_zp;
              dst[j] = static_cast<T>(std::clamp(q, lo, hi));
            }
          }
          return Status::Ok();
        });
      });
}

}  // namespace mconv::runtime::quantized
