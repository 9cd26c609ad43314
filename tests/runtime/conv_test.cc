// Conv against a naive 7-loop reference over depthwise, grouped, pointwise, strided, dilated and
// asymmetrically padded cases, in both layouts and with 1 and 2 threads.
#include <gtest/gtest.h>

#include "runtime_test_util.h"

namespace mconv::runtime::test {
namespace {

struct ConvCase {
  int64_t n, c, h, w;      // input NCHW
  int64_t m, kh, kw;       // output channels, kernel
  int64_t sh, sw;          // strides
  int64_t pt, pl, pb, pr;  // pads
  int64_t dh, dw;          // dilations
  int64_t group;           // groups
  bool bias;               // has a bias input
};

// Straight from the definition, accumulating in double.
Tensor reference_conv(const ConvCase& k, const Tensor& x, const Tensor& w, const Tensor* b) {
  const int64_t oh = (k.h + k.pt + k.pb - ((k.kh - 1) * k.dh + 1)) / k.sh + 1;
  const int64_t ow = (k.w + k.pl + k.pr - ((k.kw - 1) * k.dw + 1)) / k.sw + 1;
  const int64_t cg = k.c / k.group, mg = k.m / k.group;
  Tensor y(DType::kF32, {k.n, k.m, oh, ow});
  const float* xd = x.data<float>();
  const float* wd = w.data<float>();
  for (int64_t n = 0; n < k.n; ++n)
    for (int64_t m = 0; m < k.m; ++m)
      for (int64_t oy = 0; oy < oh; ++oy)
        for (int64_t ox = 0; ox < ow; ++ox) {
          double acc = b ? b->data<float>()[m] : 0.0;
          const int64_t g = m / mg;
          for (int64_t ci = 0; ci < cg; ++ci)
            for (int64_t ky = 0; ky < k.kh; ++ky)
              for (int64_t kx = 0; kx < k.kw; ++kx) {
                const int64_t iy = oy * k.sh - k.pt + ky * k.dh;
                const int64_t ix = ox * k.sw - k.pl + kx * k.dw;
                if (iy < 0 || iy >= k.h || ix < 0 || ix >= k.w) continue;
                const int64_t c = g * cg + ci;
                acc += static_cast<double>(xd[((n * k.c + c) * k.h + iy) * k.w + ix]) *
                       wd[((m * cg + ci) * k.kh + ky) * k.kw + kx];
              }
          y.data<float>()[((n * k.m + m) * oh + oy) * ow + ox] = static_cast<float>(acc);
        }
  return y;
}

OpGraph conv_graph(const ConvCase& k, const Tensor& x, const Tensor& w, const Tensor* b,
                   ir::Layout layout, bool constant_weights) {
  OpGraph g(ir::OpType::kConv);
  g.input(x);
  if (constant_weights) {
    g.constant(w);
    if (b) g.constant(*b);
  } else {
    g.input(w);
    if (b) g.input(*b);
  }
  g.attr("kernel_shape", std::vector<int64_t>{k.kh, k.kw})
      .attr("strides", std::vector<int64_t>{k.sh, k.sw})
      .attr("pads", std::vector<int64_t>{k.pt, k.pl, k.pb, k.pr})
      .attr("dilations", std::vector<int64_t>{k.dh, k.dw})
      .attr("group", k.group)
      .layout(layout);
  return g;
}

const ConvCase kCases[] = {
    // n  c   h   w   m  kh kw sh sw pt pl pb pr dh dw group bias
    {1, 3, 17, 19, 8, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1, 1, true},     // stem-like
    {2, 16, 9, 9, 24, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1, true},     // pointwise
    {1, 16, 9, 8, 8, 1, 1, 2, 2, 0, 0, 0, 0, 1, 1, 1, false},     // strided 1x1
    {1, 12, 11, 13, 12, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 12, true},  // depthwise 3x3
    {2, 8, 14, 14, 8, 5, 5, 2, 2, 2, 2, 2, 2, 1, 1, 8, true},     // depthwise 5x5 s2
    {1, 6, 10, 10, 12, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 6, true},    // depthwise multiplier 2
    {1, 8, 12, 12, 6, 3, 3, 1, 1, 0, 2, 1, 0, 1, 1, 2, true},     // grouped, asymmetric pads
    {1, 4, 15, 15, 5, 3, 3, 1, 2, 2, 2, 2, 2, 2, 2, 1, false},    // dilated, mixed strides
    {1, 6, 16, 12, 6, 3, 3, 2, 1, 1, 1, 1, 1, 2, 1, 6, false},    // dilated depthwise
    {1, 5, 7, 9, 7, 2, 4, 1, 1, 0, 1, 1, 2, 1, 1, 1, true},       // non-square kernel
    {3, 2, 5, 5, 3, 5, 5, 1, 1, 0, 0, 0, 0, 1, 1, 1, true},       // kernel covers the input
};

TEST(Conv, MatchesReferenceInBothLayoutsAndThreadCounts) {
  uint32_t seed = 1;
  for (const ConvCase& k : kCases) {
    SCOPED_TRACE("case c=" + std::to_string(k.c) + " m=" + std::to_string(k.m) +
                 " k=" + std::to_string(k.kh) + "x" + std::to_string(k.kw) +
                 " group=" + std::to_string(k.group));
    Tensor x = random_tensor({k.n, k.c, k.h, k.w}, seed++);
    Tensor w = random_tensor({k.m, k.c / k.group, k.kh, k.kw}, seed++);
    Tensor b = random_tensor({k.m}, seed++);
    const Tensor* bias = k.bias ? &b : nullptr;
    Tensor want = reference_conv(k, x, w, bias);

    for (bool constant_weights : {true, false}) {
      OpGraph nchw = conv_graph(k, x, w, bias, ir::Layout::kNCHW, constant_weights);
      Tensor got = nchw.run_both();
      EXPECT_LT(normalized_error(got, want), 1e-5) << "NCHW constant=" << constant_weights;

      OpGraph nhwc = conv_graph(k, nchw_to_nhwc(x), w, bias, ir::Layout::kNHWC, constant_weights);
      Tensor got_nhwc = nhwc.run_both();
      ASSERT_EQ(got_nhwc.rank(), 4);
      EXPECT_LT(normalized_error(nhwc_to_nchw(got_nhwc), want), 1e-5)
          << "NHWC constant=" << constant_weights;

      auto threaded = conv_graph(k, x, w, bias, ir::Layout::kNCHW, constant_weights).run(2);
      ASSERT_TRUE(threaded.ok()) << threaded.status().message();
      EXPECT_LT(normalized_error((*threaded)[0], want), 1e-5) << "2 threads";
      auto threaded_nhwc =
          conv_graph(k, nchw_to_nhwc(x), w, bias, ir::Layout::kNHWC, constant_weights).run(2);
      ASSERT_TRUE(threaded_nhwc.ok()) << threaded_nhwc.status().message();
      EXPECT_LT(normalized_error(nhwc_to_nchw((*threaded_nhwc)[0]), want), 1e-5)
          << "NHWC 2 threads";
    }
  }
}

TEST(Conv, LargePointwiseSplitsAcrossThreadsWithoutChangingResults) {
  // Big enough that the GEMM really is split; every output element is still computed whole.
  ConvCase k{1, 64, 28, 28, 96, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1, true};
  Tensor x = random_tensor({1, 64, 28, 28}, 7), w = random_tensor({96, 64, 1, 1}, 8);
  Tensor b = random_tensor({96}, 9);
  Tensor want = reference_conv(k, x, w, &b);
  auto one = conv_graph(k, x, w, &b, ir::Layout::kNCHW, true).run(1);
  auto two = conv_graph(k, x, w, &b, ir::Layout::kNCHW, true).run(2);
  ASSERT_TRUE(one.ok() && two.ok());
  EXPECT_LT(normalized_error((*one)[0], want), 1e-5);
  EXPECT_LT(normalized_error((*two)[0], want), 1e-5);
}

TEST(Conv, SingleThreadIsDeterministic) {
  ConvCase k{2, 16, 20, 20, 32, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, true};
  Tensor x = random_tensor({2, 16, 20, 20}, 3), w = random_tensor({32, 16, 3, 3}, 4);
  Tensor b = random_tensor({32}, 5);
  auto first = conv_graph(k, x, w, &b, ir::Layout::kNCHW, true).run();
  auto second = conv_graph(k, x, w, &b, ir::Layout::kNCHW, true).run();
  ASSERT_TRUE(first.ok() && second.ok());
  EXPECT_TRUE(identical((*first)[0], (*second)[0]));
}

TEST(Conv, AutoPadSameUpperMatchesExplicitPads) {
  // 3x3 stride 2 on 10x10, SAME_UPPER: out 5, total pad 1 -> 0 before, 1 after.
  Tensor x = random_tensor({1, 3, 10, 10}, 11), w = random_tensor({4, 3, 3, 3}, 12);
  ConvCase k{1, 3, 10, 10, 4, 3, 3, 2, 2, 0, 0, 1, 1, 1, 1, 1, false};
  Tensor want = reference_conv(k, x, w, nullptr);
  OpGraph g(ir::OpType::kConv);
  g.input(x)
      .constant(w)
      .attr("strides", std::vector<int64_t>{2, 2})
      .attr("auto_pad", std::string("SAME_UPPER"))
      .layout(ir::Layout::kNCHW);
  Tensor got = g.run_both();
  EXPECT_LT(normalized_error(got, want), 1e-5);
}

TEST(Conv, DynamicBatchUsesRunTimeShapes) {
  ConvCase k{1, 4, 6, 6, 4, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 4, true};
  Tensor w = random_tensor({4, 1, 3, 3}, 21), b = random_tensor({4}, 22);
  ir::Graph g;
  ir::Value* x = g.add_value("x", DType::kF32, {ir::Dim{-1, "batch"}, {4}, {6}, {6}});
  ir::Value* wv = g.add_constant("w", w);
  ir::Value* bv = g.add_constant("b", b);
  ir::Value* y = g.add_value("y", DType::kF32, {ir::Dim{-1, "batch"}, {4}, {6}, {6}});
  ir::Node* n = g.add_node(ir::OpType::kConv, "conv", {x, wv, bv}, {y});
  n->layout = ir::Layout::kNCHW;
  n->attrs.set("pads", std::vector<int64_t>{1, 1, 1, 1});
  n->attrs.set("group", int64_t{4});
  g.inputs = {x};
  g.outputs = {y};
  auto interp = Interpreter::Create(g);
  ASSERT_TRUE(interp.ok()) << interp.status().message();
  for (int64_t batch : {1, 3, 2}) {
    k.n = batch;
    Tensor input = random_tensor({batch, 4, 6, 6}, 30 + static_cast<uint32_t>(batch));
    auto out = (*interp)->run({input});
    ASSERT_TRUE(out.ok()) << out.status().message();
    EXPECT_LT(normalized_error((*out)[0], reference_conv(k, input, w, &b)), 1e-5);
  }
}

TEST(Conv, ChannelMismatchIsAnErrorNamingTheNode) {
  OpGraph g(ir::OpType::kConv);
  g.input(random_tensor({1, 5, 4, 4}, 1))
      .constant(random_tensor({2, 4, 1, 1}, 2))
      .layout(ir::Layout::kNCHW);
  auto r = g.run();
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("node 'op' (Conv)"), std::string::npos)
      << r.status().message();
  EXPECT_NE(r.status().message().find("channels"), std::string::npos) << r.status().message();
}

TEST(Conv, StaticChannelMismatchFailsAtCreate) {
  ir::Graph g;
  ir::Value* x = g.add_value("x", DType::kF32, ir::make_shape({1, 5, 4, 4}));
  ir::Value* w = g.add_constant("w", random_tensor({2, 4, 1, 1}, 2));
  ir::Value* y = g.add_value("y", DType::kF32, ir::make_shape({1, 2, 4, 4}));
  g.add_node(ir::OpType::kConv, "conv_bad", {x, w}, {y})->layout = ir::Layout::kNCHW;
  g.inputs = {x};
  g.outputs = {y};
  auto r = Interpreter::Create(g);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("conv_bad"), std::string::npos) << r.status().message();
  EXPECT_NE(r.status().message().find("channels"), std::string::npos) << r.status().message();
}

}  // namespace
}  // namespace mconv::runtime::test
