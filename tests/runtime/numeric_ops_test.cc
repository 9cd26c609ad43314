// Softmax, Pad, ReduceMean, BatchNormalization and the Q/DQ pair against direct references.
#include <gtest/gtest.h>

#include <cmath>

#include "runtime_test_util.h"

namespace mconv::runtime::test {
namespace {

Tensor reference_softmax(const Tensor& x, int axis) {
  Tensor y(DType::kF32, x.shape());
  int64_t outer = 1, inner = 1;
  for (int i = 0; i < axis; ++i) outer *= x.dim(i);
  for (int i = axis + 1; i < x.rank(); ++i) inner *= x.dim(i);
  const int64_t n = x.dim(axis);
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t i = 0; i < inner; ++i) {
      double peak = -INFINITY, sum = 0;
      for (int64_t j = 0; j < n; ++j)
        peak = std::max<double>(peak, x.data<float>()[(o * n + j) * inner + i]);
      for (int64_t j = 0; j < n; ++j)
        sum += std::exp(x.data<float>()[(o * n + j) * inner + i] - peak);
      for (int64_t j = 0; j < n; ++j)
        y.data<float>()[(o * n + j) * inner + i] =
            static_cast<float>(std::exp(x.data<float>()[(o * n + j) * inner + i] - peak) / sum);
    }
  return y;
}

TEST(Softmax, EveryAxis) {
  Tensor x = random_tensor({3, 4, 5}, 1, -20.0f, 20.0f);
  for (int64_t axis : {0, 1, 2, -1, -3}) {
    OpGraph g(ir::OpType::kSoftmax);
    g.input(x).attr("axis", axis);
    const int a = static_cast<int>(axis < 0 ? axis + 3 : axis);
    EXPECT_LT(normalized_error(g.run_both(), reference_softmax(x, a)), 1e-6) << "axis " << axis;
  }
  OpGraph def(ir::OpType::kSoftmax);  // default axis is the last one (opset 13)
  def.input(x);
  EXPECT_LT(normalized_error(def.run_both(), reference_softmax(x, 2)), 1e-6);
}

TEST(Pad, ConstantReflectEdgeWrapAndCrop) {
  Tensor x = f32({2, 3}, {1, 2, 3, 4, 5, 6});
  auto pad = [&](const std::string& mode, std::vector<int64_t> pads, const Tensor* value) {
    OpGraph g(ir::OpType::kPad);
    g.input(x).constant(i64_vector(pads)).attr("mode", mode);
    if (value) g.constant(*value);
    return g.run_both();
  };
  Tensor seven = f32({}, {7});
  // pads [top, left, bottom, right] in ONNX order: begins of all axes then ends.
  Tensor c = pad("constant", {1, 0, 0, 2}, &seven);
  EXPECT_EQ(c.shape(), (std::vector<int64_t>{3, 5}));
  EXPECT_EQ(c.to_f32(), (std::vector<float>{7, 7, 7, 7, 7, 1, 2, 3, 7, 7, 4, 5, 6, 7, 7}));
  Tensor r = pad("reflect", {0, 2, 0, 1}, nullptr);
  EXPECT_EQ(r.to_f32(), (std::vector<float>{3, 2, 1, 2, 3, 2, 6, 5, 4, 5, 6, 5}));
  Tensor e = pad("edge", {1, 1, 0, 0}, nullptr);
  EXPECT_EQ(e.to_f32(), (std::vector<float>{1, 1, 2, 3, 1, 1, 2, 3, 4, 4, 5, 6}));
  Tensor w = pad("wrap", {0, 1, 0, 1}, nullptr);
  EXPECT_EQ(w.to_f32(), (std::vector<float>{3, 1, 2, 3, 1, 6, 4, 5, 6, 4}));
  Tensor crop = pad("constant", {0, -1, -1, 0}, nullptr);
  EXPECT_EQ(crop.to_f32(), (std::vector<float>{2, 3}));
  Tensor zero = pad("constant", {0, 1, 0, 0}, nullptr);  // default value 0
  EXPECT_EQ(zero.to_f32(), (std::vector<float>{0, 1, 2, 3, 0, 4, 5, 6}));
}

TEST(Pad, NchwSpatialPadOnRandomData) {
  Tensor x = random_tensor({1, 2, 4, 5}, 3);
  OpGraph g(ir::OpType::kPad);
  g.input(x).constant(i64_vector({0, 0, 1, 2, 0, 0, 2, 1})).attr("mode", std::string("reflect"));
  Tensor y = g.run_both();
  ASSERT_EQ(y.shape(), (std::vector<int64_t>{1, 2, 7, 8}));
  auto reflect = [](int64_t i, int64_t n) { return i < 0 ? -i : i >= n ? 2 * (n - 1) - i : i; };
  for (int64_t c = 0; c < 2; ++c)
    for (int64_t oy = 0; oy < 7; ++oy)
      for (int64_t ox = 0; ox < 8; ++ox)
        ASSERT_EQ(y.data<float>()[(c * 7 + oy) * 8 + ox],
                  x.data<float>()[(c * 4 + reflect(oy - 1, 4)) * 5 + reflect(ox - 2, 5)]);
}

TEST(ReduceMean, AxesAndKeepdims) {
  Tensor x = random_tensor({2, 3, 4, 5}, 4);
  struct Case {
    std::vector<int64_t> axes;  // reduced axes
    bool keepdims;              // keep them as size 1
  };
  for (const Case& c :
       std::vector<Case>{{{2, 3}, true}, {{1}, false}, {{-1}, true}, {{0, 2}, false}, {{}, true}}) {
    SCOPED_TRACE("axes " + shape_to_string(c.axes));
    std::vector<bool> red(4, c.axes.empty());
    for (int64_t a : c.axes) red[a < 0 ? a + 4 : a] = true;
    std::vector<int64_t> kept;
    for (int i = 0; i < 4; ++i) kept.push_back(red[i] ? 1 : x.dim(i));
    std::vector<double> sum(1, 0);
    int64_t kept_count = 1, count = 1;
    for (int i = 0; i < 4; ++i) (red[i] ? count : kept_count) *= x.dim(i);
    sum.assign(kept_count, 0);
    for (int64_t e = 0; e < x.element_count(); ++e) {
      int64_t rem = e, off = 0, stride = 1;
      for (int i = 3; i >= 0; --i) {
        const int64_t idx = rem % x.dim(i);
        rem /= x.dim(i);
        if (!red[i]) {
          off += idx * stride;
          stride *= x.dim(i);
        }
      }
      sum[off] += x.data<float>()[e];
    }
    OpGraph g(ir::OpType::kReduceMean);
    g.input(x).attr("keepdims", int64_t{c.keepdims});
    if (!c.axes.empty()) g.attr("axes", c.axes);
    Tensor y = g.run_both();
    ASSERT_EQ(y.element_count(), kept_count);
    std::vector<int64_t> want_shape;
    for (int i = 0; i < 4; ++i)
      if (!red[i] || c.keepdims) want_shape.push_back(kept[i]);
    EXPECT_EQ(y.shape(), want_shape);
    for (int64_t i = 0; i < kept_count; ++i) EXPECT_NEAR(y.data<float>()[i], sum[i] / count, 1e-6);
  }
}

TEST(BatchNormalization, MatchesFormulaInBothLayouts) {
  Tensor x = random_tensor({2, 4, 3, 5}, 5);
  Tensor scale = random_tensor({4}, 6), bias = random_tensor({4}, 7), mean = random_tensor({4}, 8);
  Tensor var = random_tensor({4}, 9, 0.1f, 2.0f);
  const float eps = 1e-3f;
  Tensor want(DType::kF32, x.shape());
  for (int64_t e = 0; e < x.element_count(); ++e) {
    const int64_t c = (e / 15) % 4;
    want.data<float>()[e] = static_cast<float>(
        (x.data<float>()[e] - mean.data<float>()[c]) /
            std::sqrt(static_cast<double>(var.data<float>()[c]) + eps) * scale.data<float>()[c] +
        bias.data<float>()[c]);
  }
  for (bool constant : {true, false}) {
    OpGraph g(ir::OpType::kBatchNormalization);
    g.input(x);
    for (const Tensor* p : {&scale, &bias, &mean, &var}) constant ? g.constant(*p) : g.input(*p);
    g.attr("epsilon", eps).layout(ir::Layout::kNCHW);
    EXPECT_LT(normalized_error(g.run_both(), want), 1e-6);
    OpGraph h(ir::OpType::kBatchNormalization);
    h.input(nchw_to_nhwc(x));
    for (const Tensor* p : {&scale, &bias, &mean, &var}) constant ? h.constant(*p) : h.input(*p);
    h.attr("epsilon", eps).layout(ir::Layout::kNHWC);
    EXPECT_LT(normalized_error(nhwc_to_nchw(h.run_both()), want), 1e-6);
  }
}

TEST(QuantizeLinear, RoundsHalfToEvenAndSaturates) {
  Tensor x = f32({8}, {0.5f, 1.5f, 2.5f, -0.5f, -1.5f, 1000.0f, -1000.0f, 0.26f});
  OpGraph u8(ir::OpType::kQuantizeLinear);  // no zero point: uint8, zp 0
  u8.input(x).constant(f32({}, {1.0f}));
  Tensor q = u8.run_both();
  EXPECT_EQ(q.dtype(), DType::kU8);
  EXPECT_EQ(q.to_i64(), (std::vector<int64_t>{0, 2, 2, 0, 0, 255, 0, 0}));
  OpGraph i8(ir::OpType::kQuantizeLinear);
  i8.input(x).constant(f32({}, {0.5f})).constant(Tensor::FromVector<int8_t>(DType::kI8, {}, {3}));
  Tensor s = i8.run_both();
  EXPECT_EQ(s.dtype(), DType::kI8);
  // x / 0.5 = 1, 3, 5, -1, -3 (exact, no ties) ... 0.52 -> 1; then + 3 and saturate.
  EXPECT_EQ(s.to_i64(), (std::vector<int64_t>{4, 6, 8, 2, 0, 127, -128, 4}));
  OpGraph ties(ir::OpType::kQuantizeLinear);
  ties.input(f32({4}, {0.25f, 0.75f, -0.25f, -0.75f}))
      .constant(f32({}, {0.5f}))
      .constant(Tensor::FromVector<int8_t>(DType::kI8, {}, {0}));
  EXPECT_EQ(ties.run_both().to_i64(), (std::vector<int64_t>{0, 2, 0, -2}));  // 0.5->0, 1.5->2
}

TEST(QuantizeLinear, PerAxisRoundTripsThroughDequantize) {
  Tensor x = random_tensor({2, 3, 4}, 10, -2.0f, 2.0f);
  Tensor scale = f32({3}, {0.01f, 0.02f, 0.05f});
  Tensor zp = Tensor::FromVector<uint8_t>(DType::kU8, {3}, {128, 100, 0});
  OpGraph q(ir::OpType::kQuantizeLinear);
  q.input(x).constant(scale).constant(zp).attr("axis", int64_t{1});
  Tensor qx = q.run_both();
  ASSERT_EQ(qx.dtype(), DType::kU8);
  for (int64_t e = 0; e < x.element_count(); ++e) {
    const int64_t c = (e / 4) % 3;
    const double v =
        std::nearbyint(x.data<float>()[e] / scale.data<float>()[c]) + zp.data<uint8_t>()[c];
    ASSERT_EQ(qx.data<uint8_t>()[e], static_cast<uint8_t>(std::clamp(v, 0.0, 255.0))) << e;
  }
  OpGraph dq(ir::OpType::kDequantizeLinear);
  dq.input(qx).constant(scale).constant(zp).attr("axis", int64_t{-2});
  Tensor back = dq.run_both();
  ASSERT_EQ(back.dtype(), DType::kF32);
  for (int64_t e = 0; e < x.element_count(); ++e) {
    const int64_t c = (e / 4) % 3;
    const float want = (static_cast<float>(qx.data<uint8_t>()[e]) - zp.data<uint8_t>()[c]) *
                       scale.data<float>()[c];
    ASSERT_EQ(back.data<float>()[e], want);
    // Saturated channels aside, the round trip is within half a step.
    if (qx.data<uint8_t>()[e] != 0 && qx.data<uint8_t>()[e] != 255)
      EXPECT_LE(std::fabs(back.data<float>()[e] - x.data<float>()[e]),
                scale.data<float>()[c] * 0.5f + 1e-6f);
  }
}

TEST(DequantizeLinear, Int32BiasAndMismatchedScale) {
  OpGraph bias(ir::OpType::kDequantizeLinear);
  bias.input(Tensor::FromVector<int32_t>(DType::kI32, {3}, {-1000, 0, 123456}))
      .constant(f32({}, {0.001f}));
  Tensor b = bias.run_both();
  EXPECT_NEAR(b.data<float>()[0], -1.0f, 1e-6);
  EXPECT_NEAR(b.data<float>()[2], 123.456f, 1e-3);
  OpGraph bad(ir::OpType::kDequantizeLinear);
  bad.input(Tensor::FromVector<int8_t>(DType::kI8, {2, 3}, {1, 2, 3, 4, 5, 6}))
      .constant(f32({2}, {0.1f, 0.2f}))
      .attr("axis", int64_t{1});
  EXPECT_FALSE(bad.evaluate().ok());
}

}  // namespace
}  // namespace mconv::runtime::test
