// Softmax (opset 13 semantics): normalizes exp(x - max) along the single axis `axis`
// (default -1). Rows are processed as [outer, axis, inner] so both the contiguous (last axis)
// and strided cases run over contiguous memory.
#include <algorithm>
#include <cmath>
#include <limits>

#include "ir/op_attributes.h"
#include "runtime/kernels/kernel_factories.h"
#include "runtime/kernels/kernel_util.h"

namespace mconv::runtime::kernels {

KernelPtr create_softmax_kernel(const ir::Node& node) {
  const int64_t axis_attr = ir::axis_attribute(node);
  return make_lambda_kernel(
      [axis_attr](KernelInputs in, std::vector<Tensor>& out, const ExecContext&) -> Status {
        MCONV_RETURN_IF_ERROR(require_input(in, 0, "input"));
        const Tensor& x = *in[0];
        MCONV_RETURN_IF_ERROR(require_f32(x, "input"));
        if (x.rank() < 1) return Status::Error("input must have rank >= 1");
        MCONV_ASSIGN_OR_RETURN(int64_t axis, normalize_axis(axis_attr, x.rank()));
        const auto& d = x.shape();
        const int64_t outer = dims_product(d, 0, axis), n = d[axis];
        const int64_t inner = dims_product(d, axis + 1, d.size());
        out[0] = Tensor(DType::kF32, d);
        std::vector<float> peak(inner), total(inner);
        for (int64_t o = 0; o < outer; ++o) {
          const float* src = x.data<float>() + o * n * inner;
          float* dst = out[0].data<float>() + o * n * inner;
          std::fill(peak.begin(), peak.end(), -std::numeric_limits<float>::infinity());
          std::fill(total.begin(), total.end(), 0.0f);
          for (int64_t j = 0; j < n; ++j)
            for (int64_t i = 0; i < inner; ++i) peak[i] = std::max(peak[i], src[j * inner + i]);
          for (int64_t j = 0; j < n; ++j)
            for (int64_t i = 0; i < inner; ++i) {
              const float e = std::exp(src[j * inner + i] - peak[i]);
              dst[j * inner + i] = e;
              total[i] += e;
            }
          for (int64_t j = 0; j < n; ++j)
            for (int64_t i = 0; i < inner; ++i) dst[j * inner + i] /= total[i];
        }
        return Status::Ok();
      });
}

}  // namespace mconv::runtime::kernels
