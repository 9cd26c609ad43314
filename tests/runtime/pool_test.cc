// MaxPool / AveragePool / GlobalAveragePool against naive references (ONNX Runtime's rules for
// ceil_mode and count_include_pad), in NCHW and NHWC.
#include <gtest/gtest.h>

#include <limits>

#include "runtime_test_util.h"

namespace mconv::runtime::test {
namespace {

struct PoolCase {
  int64_t n, c, h, w;      // input NCHW
  int64_t kh, kw, sh, sw;  // window and strides
  int64_t pt, pl, pb, pr;  // pads
  int64_t dh, dw;          // dilations
  bool ceil_mode;          // round the output size up
  bool include_pad;        // AveragePool: count_include_pad
};

int64_t out_extent(int64_t in, int64_t k, int64_t s, int64_t d, int64_t pb, int64_t pe,
                   bool ceil_mode) {
  const int64_t span = (k - 1) * d + 1;
  const int64_t room = in + pb + pe - span;
  int64_t out = (ceil_mode ? (room + s - 1) / s : room / s) + 1;
  if (ceil_mode && (out - 1) * s >= in + pb) --out;  // last window may not start in the pad
  return out;
}

// Visits every tap of every window, as the definition reads. max: over in-bounds taps.
// average: sum of in-bounds taps / (in-bounds taps, or taps inside input+pads).
Tensor reference_pool(const PoolCase& k, const Tensor& x, bool is_max) {
  const int64_t oh = out_extent(k.h, k.kh, k.sh, k.dh, k.pt, k.pb, k.ceil_mode);
  const int64_t ow = out_extent(k.w, k.kw, k.sw, k.dw, k.pl, k.pr, k.ceil_mode);
  Tensor y(DType::kF32, {k.n, k.c, oh, ow});
  for (int64_t p = 0; p < k.n * k.c; ++p)
    for (int64_t oy = 0; oy < oh; ++oy)
      for (int64_t ox = 0; ox < ow; ++ox) {
        double best = -std::numeric_limits<double>::infinity(), sum = 0;
        int64_t inside = 0, padded = 0;
        for (int64_t ky = 0; ky < k.kh; ++ky)
          for (int64_t kx = 0; kx < k.kw; ++kx) {
            const int64_t iy = oy * k.sh - k.pt + ky * k.dh, ix = ox * k.sw - k.pl + kx * k.dw;
            if (iy < k.h + k.pb && ix < k.w + k.pr) ++padded;
            if (iy < 0 || iy >= k.h || ix < 0 || ix >= k.w) continue;
            const double v = x.data<float>()[(p * k.h + iy) * k.w + ix];
            best = std::max(best, v);
            sum += v;
            ++inside;
          }
        y.data<float>()[(p * oh + oy) * ow + ox] =
            static_cast<float>(is_max ? best : sum / (k.include_pad ? padded : inside));
      }
  return y;
}

OpGraph pool_graph(ir::OpType op, const PoolCase& k, const Tensor& x, ir::Layout layout) {
  OpGraph g(op);
  g.input(x)
      .attr("kernel_shape", std::vector<int64_t>{k.kh, k.kw})
      .attr("strides", std::vector<int64_t>{k.sh, k.sw})
      .attr("pads", std::vector<int64_t>{k.pt, k.pl, k.pb, k.pr})
      .attr("ceil_mode", int64_t{k.ceil_mode})
      .layout(layout);
  if (op == ir::OpType::kMaxPool) g.attr("dilations", std::vector<int64_t>{k.dh, k.dw});
  if (op == ir::OpType::kAveragePool) g.attr("count_include_pad", int64_t{k.include_pad});
  return g;
}

const PoolCase kCases[] = {
    // n c  h   w  kh kw sh sw pt pl pb pr dh dw ceil incl
    {1, 3, 8, 8, 2, 2, 2, 2, 0, 0, 0, 0, 1, 1, false, false},
    {2, 4, 9, 11, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1, false, false},
    {2, 4, 9, 11, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1, false, true},
    {1, 5, 10, 7, 3, 3, 2, 2, 0, 0, 0, 0, 1, 1, true, false},    // ceil adds a partial window
    {1, 5, 10, 7, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1, true, true},     // ceil + count_include_pad
    {1, 2, 5, 5, 2, 2, 2, 2, 1, 1, 1, 1, 1, 1, true, true},      // ceil window dropped
    {1, 3, 12, 12, 3, 2, 1, 2, 2, 0, 1, 1, 1, 1, false, true},   // asymmetric
    {1, 3, 13, 13, 3, 3, 1, 1, 2, 2, 2, 2, 2, 2, false, false},  // dilated (max only)
};

TEST(MaxPool, MatchesReferenceInBothLayouts) {
  uint32_t seed = 100;
  for (const PoolCase& k : kCases) {
    SCOPED_TRACE("k=" + std::to_string(k.kh) + " s=" + std::to_string(k.sh) +
                 " ceil=" + std::to_string(k.ceil_mode) + " dil=" + std::to_string(k.dh));
    Tensor x = random_tensor({k.n, k.c, k.h, k.w}, seed++);
    Tensor want = reference_pool(k, x, true);
    Tensor got = pool_graph(ir::OpType::kMaxPool, k, x, ir::Layout::kNCHW).run_both();
    EXPECT_EQ(normalized_error(got, want), 0.0);
    Tensor nhwc =
        pool_graph(ir::OpType::kMaxPool, k, nchw_to_nhwc(x), ir::Layout::kNHWC).run_both();
    ASSERT_EQ(nhwc.rank(), 4);
    EXPECT_EQ(normalized_error(nhwc_to_nchw(nhwc), want), 0.0);
  }
}

TEST(AveragePool, MatchesReferenceInBothLayouts) {
  uint32_t seed = 200;
  for (const PoolCase& k : kCases) {
    if (k.dh != 1) continue;  // AveragePool dilations are opset 19; not in the IR's attrs here
    SCOPED_TRACE("k=" + std::to_string(k.kh) + " s=" + std::to_string(k.sh) +
                 " ceil=" + std::to_string(k.ceil_mode) + " incl=" + std::to_string(k.include_pad));
    Tensor x = random_tensor({k.n, k.c, k.h, k.w}, seed++);
    Tensor want = reference_pool(k, x, false);
    Tensor got = pool_graph(ir::OpType::kAveragePool, k, x, ir::Layout::kNCHW).run_both();
    EXPECT_LT(normalized_error(got, want), 1e-6);
    Tensor nhwc =
        pool_graph(ir::OpType::kAveragePool, k, nchw_to_nhwc(x), ir::Layout::kNHWC).run_both();
    ASSERT_EQ(nhwc.rank(), 4);
    EXPECT_LT(normalized_error(nhwc_to_nchw(nhwc), want), 1e-6);
  }
}

TEST(AveragePool, CountIncludePadChangesBorderDivisor) {
  // 1x1x2x2 of ones, 3x3 window, pads 1: the corner window sees 4 ones among 9 taps.
  Tensor x = f32({1, 1, 2, 2}, {1, 1, 1, 1});
  PoolCase k{1, 1, 2, 2, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, false, true};
  Tensor incl = pool_graph(ir::OpType::kAveragePool, k, x, ir::Layout::kNCHW).run_both();
  ASSERT_EQ(incl.element_count(), 4);
  EXPECT_FLOAT_EQ(incl.data<float>()[0], 4.0f / 9.0f);
  k.include_pad = false;
  Tensor excl = pool_graph(ir::OpType::kAveragePool, k, x, ir::Layout::kNCHW).run_both();
  EXPECT_FLOAT_EQ(excl.data<float>()[0], 1.0f);
}

Tensor reference_global_average(const Tensor& x) {
  const int64_t n = x.dim(0), c = x.dim(1), s = x.element_count() / (n * c);
  std::vector<int64_t> shape(x.rank(), 1);
  shape[0] = n;
  shape[1] = c;
  Tensor y(DType::kF32, shape);
  for (int64_t p = 0; p < n * c; ++p) {
    double sum = 0;
    for (int64_t i = 0; i < s; ++i) sum += x.data<float>()[p * s + i];
    y.data<float>()[p] = static_cast<float>(sum / s);
  }
  return y;
}

TEST(MaxPool, CeilModeDropsAWindowThatStartsInThePad) {
  // 5 + 1 + 1 pads, window 2, stride 2: ceil gives 4 windows but the 4th starts at padded
  // position 6 >= 5 + 1, so ONNX Runtime / PyTorch produce 3.
  PoolCase k{1, 1, 5, 5, 2, 2, 2, 2, 1, 1, 1, 1, 1, 1, true, false};
  Tensor got =
      pool_graph(ir::OpType::kMaxPool, k, random_tensor({1, 1, 5, 5}, 3), ir::Layout::kNCHW)
          .run_both();
  EXPECT_EQ(got.shape(), (std::vector<int64_t>{1, 1, 3, 3}));
}

TEST(GlobalAveragePool, MatchesReferenceInBothLayouts) {
  for (auto shape : {std::vector<int64_t>{1, 16, 7, 7}, std::vector<int64_t>{2, 5, 13, 3},
                     std::vector<int64_t>{3, 8, 1, 1}}) {
    Tensor x = random_tensor(shape, static_cast<uint32_t>(shape[1]));
    Tensor want = reference_global_average(x);
    OpGraph g(ir::OpType::kGlobalAveragePool);
    g.input(x).layout(ir::Layout::kNCHW);
    EXPECT_LT(normalized_error(g.run_both(), want), 1e-6);
    OpGraph h(ir::OpType::kGlobalAveragePool);
    h.input(nchw_to_nhwc(x)).layout(ir::Layout::kNHWC);
    Tensor got = h.run_both();
    EXPECT_EQ(got.shape(), (std::vector<int64_t>{shape[0], 1, 1, shape[1]}));
    EXPECT_LT(normalized_error(nhwc_to_nchw(got), want), 1e-6);
  }
}

TEST(GlobalAveragePool, HandlesRank3) {
  Tensor x = random_tensor({2, 3, 10}, 5);
  OpGraph g(ir::OpType::kGlobalAveragePool);
  g.input(x).layout(ir::Layout::kNCHW);
  EXPECT_LT(normalized_error(g.run_both(), reference_global_average(x)), 1e-6);
}

}  // namespace
}  // namespace mconv::runtime::test
