// GlobalAveragePool: mean over all spatial positions of each channel. NCHW: [N, C, d...] ->
// [N, C, 1...]; NHWC: [N, d..., C] -> [N, 1..., C].
#include <algorithm>

#include "runtime/kernels/kernel_factories.h"
#include "runtime/kernels/kernel_util.h"

namespace mconv::runtime::kernels {

KernelPtr create_global_average_pool_kernel(const ir::Node& node) {
  const bool nhwc = node.layout == ir::Layout::kNHWC;
  return make_lambda_kernel(
      [nhwc](KernelInputs in, std::vector<Tensor>& out, const ExecContext&) -> Status {
        MCONV_RETURN_IF_ERROR(require_input(in, 0, "X"));
        const Tensor& x = *in[0];
        MCONV_RETURN_IF_ERROR(require_f32(x, "X"));
        if (x.rank() < 3) return Status::Error("X " + x.describe() + " must have rank >= 3");
        const auto& dims = x.shape();
        const int64_t batch = dims[0];
        const int64_t channels = nhwc ? dims.back() : dims[1];
        const int64_t spatial =
            nhwc ? dims_product(dims, 1, dims.size() - 1) : dims_product(dims, 2, dims.size());
        std::vector<int64_t> out_shape(dims.size(), 1);
        out_shape[0] = batch;
        out_shape[nhwc ? dims.size() - 1 : 1] = channels;
        out[0] = Tensor(DType::kF32, out_shape);
        const float* src = x.data<float>();
        float* dst = out[0].data<float>();
        const float inv = spatial > 0 ? 1.0f / static_cast<float>(spatial) : 0.0f;
        if (nhwc) {
          for (int64_t n = 0; n < batch; ++n, dst += channels) {
            for (int64_t s = 0; s < spatial; ++s, src += channels)
              for (int64_t c = 0; c < channels; ++c) dst[c] += src[c];
            for (int64_t c = 0; c < channels; ++c) dst[c] *= inv;
          }
        } else {
          for (int64_t plane = 0; plane < batch * channels; ++plane, src += spatial) {
            float sum = 0.0f;
            for (int64_t s = 0; s < spatial; ++s) sum += src[s];
            dst[plane] = sum / static_cast<float>(spatial);
          }
        }
        return Status::Ok();
      });
}

}  // namespace mconv::runtime::kernels
