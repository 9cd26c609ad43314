// AveragePool (2-D, NCHW or NHWC): mean over each window. Padding is excluded from the divisor
// unless count_include_pad, in which case the divisor counts taps inside input + explicit pads
// but never the extra positions ceil_mode adds (the ONNX Runtime / PyTorch rule).
#include <algorithm>

#include "runtime/kernels/kernel_factories.h"
#include "runtime/kernels/kernel_util.h"
#include "runtime/kernels/pool2d.h"

namespace mconv::runtime::kernels {
namespace {

float divisor(const TapSpan& r, const TapSpan& c, bool count_include_pad) {
  const int64_t n =
      count_include_pad ? r.with_pad * c.with_pad : (r.last - r.first) * (c.last - c.first);
  return static_cast<float>(std::max<int64_t>(n, 1));
}

void average_nchw(const PoolProblem& p, bool include_pad, const float* x, float* y) {
  for (int64_t plane = 0; plane < p.batch * p.channels; ++plane) {
    const float* in = x + plane * p.in_h * p.in_w;
    for (int64_t oy = 0; oy < p.out_h; ++oy) {
      const TapSpan& r = p.rows[oy];
      for (int64_t ox = 0; ox < p.out_w; ++ox, ++y) {
        const TapSpan& c = p.cols[ox];
        float sum = 0.0f;
        for (int64_t ty = r.first; ty < r.last; ++ty) {
          const float* row = in + (r.start + ty * p.dilation_h) * p.in_w;
          for (int64_t tx = c.first; tx < c.last; ++tx) sum += row[c.start + tx * p.dilation_w];
        }
        *y = sum / divisor(r, c, include_pad);
      }
    }
  }
}

void average_nhwc(const PoolProblem& p, bool include_pad, const float* x, float* y) {
  const int64_t ch = p.channels;
  for (int64_t n = 0; n < p.batch; ++n) {
    const float* image = x + n * p.in_h * p.in_w * ch;
    for (int64_t oy = 0; oy < p.out_h; ++oy) {
      const TapSpan& r = p.rows[oy];
      for (int64_t ox = 0; ox < p.out_w; ++ox, y += ch) {
        const TapSpan& c = p.cols[ox];
        std::fill(y, y + ch, 0.0f);
        for (int64_t ty = r.first; ty < r.last; ++ty) {
          const int64_t iy = r.start + ty * p.dilation_h;
          for (int64_t tx = c.first; tx < c.last; ++tx) {
            const float* px = image + (iy * p.in_w + c.start + tx * p.dilation_w) * ch;
            for (int64_t k = 0; k < ch; ++k) y[k] += px[k];
          }
        }
        const float inv = 1.0f / divisor(r, c, include_pad);
        for (int64_t k = 0; k < ch; ++k) y[k] *= inv;
      }
    }
  }
}

}  // namespace

KernelPtr create_average_pool_kernel(const ir::Node& node) {
  MCONV_ASSIGN_OR_RETURN(Window2d window, parse_window2d(node, true));
  const bool include_pad = node.attrs.get_int("count_include_pad", 0) != 0;
  const bool nhwc = node.layout == ir::Layout::kNHWC;
  return make_lambda_kernel(
      [=](KernelInputs in, std::vector<Tensor>& out, const ExecContext&) -> Status {
        MCONV_RETURN_IF_ERROR(require_input(in, 0, "X"));
        MCONV_ASSIGN_OR_RETURN(PoolProblem p, resolve_pool(window, *in[0], nhwc));
        out[0] = Tensor(DType::kF32, p.output_shape());
        if (nhwc) {
          average_nhwc(p, include_pad, in[0]->data<float>(), out[0].data<float>());
        } else {
          average_nchw(p, include_pad, in[0]->data<float>(), out[0].data<float>());
        }
        return Status::Ok();
      });
}

}  // namespace mconv::runtime::kernels
