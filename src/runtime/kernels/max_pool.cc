// MaxPool (2-D, NCHW or NHWC, dilations, ceil_mode): max over the window taps inside the input;
// padding never wins. Only the values output is supported (no Indices).
#include <algorithm>
#include <limits>

#include "runtime/kernels/kernel_factories.h"
#include "runtime/kernels/kernel_util.h"
#include "runtime/kernels/pool2d.h"

namespace mconv::runtime::kernels {
namespace {

constexpr float kLowest = std::numeric_limits<float>::lowest();

void max_nchw(const PoolProblem& p, const float* x, float* y) {
  for (int64_t plane = 0; plane < p.batch * p.channels; ++plane) {
    const float* in = x + plane * p.in_h * p.in_w;
    for (int64_t oy = 0; oy < p.out_h; ++oy) {
      const TapSpan& r = p.rows[oy];
      for (int64_t ox = 0; ox < p.out_w; ++ox, ++y) {
        const TapSpan& c = p.cols[ox];
        float best = kLowest;
        for (int64_t ty = r.first; ty < r.last; ++ty) {
          const float* row = in + (r.start + ty * p.dilation_h) * p.in_w;
          for (int64_t tx = c.first; tx < c.last; ++tx)
            best = std::max(best, row[c.start + tx * p.dilation_w]);
        }
        *y = best;
      }
    }
  }
}

void max_nhwc(const PoolProblem& p, const float* x, float* y) {
  const int64_t ch = p.channels;
  for (int64_t n = 0; n < p.batch; ++n) {
    const float* image = x + n * p.in_h * p.in_w * ch;
    for (int64_t oy = 0; oy < p.out_h; ++oy) {
      const TapSpan& r = p.rows[oy];
      for (int64_t ox = 0; ox < p.out_w; ++ox, y += ch) {
        const TapSpan& c = p.cols[ox];
        std::fill(y, y + ch, kLowest);
        for (int64_t ty = r.first; ty < r.last; ++ty) {
          const int64_t iy = r.start + ty * p.dilation_h;
          for (int64_t tx = c.first; tx < c.last; ++tx) {
            const float* px = image + (iy * p.in_w + c.start + tx * p.dilation_w) * ch;
            for (int64_t k = 0; k < ch; ++k) y[k] = std::max(y[k], px[k]);
          }
        }
      }
    }
  }
}

}  // namespace

KernelPtr create_max_pool_kernel(const ir::Node& node) {
  MCONV_ASSIGN_OR_RETURN(Window2d window, parse_window2d(node, true));
  if (node.attrs.get_int("storage_order", 0) != 0)
    return Status::Error("storage_order=1 is not supported");
  if (node.outputs.size() > 1) return Status::Error("the Indices output is not supported");
  const bool nhwc = node.layout == ir::Layout::kNHWC;
  return make_lambda_kernel(
      [=](KernelInputs in, std::vector<Tensor>& out, const ExecContext&) -> Status {
        MCONV_RETURN_IF_ERROR(require_input(in, 0, "X"));
        MCONV_ASSIGN_OR_RETURN(PoolProblem p, resolve_pool(window, *in[0], nhwc));
        out[0] = Tensor(DType::kF32, p.output_shape());
        if (nhwc) {
          max_nhwc(p, in[0]->data<float>(), out[0].data<float>());
        } else {
          max_nchw(p, in[0]->data<float>(), out[0].data<float>());
        }
        return Status::Ok();
      });
}

}  // namespace mconv::runtime::kernels
