// Unary activations and broadcasting binary arithmetic against per-element references.
#include <gtest/gtest.h>

#include <cmath>
#include <functional>

#include "runtime_test_util.h"

namespace mconv::runtime::test {
namespace {

Tensor map_reference(const Tensor& x, const std::function<double(double)>& fn) {
  Tensor y(DType::kF32, x.shape());
  for (int64_t i = 0; i < x.element_count(); ++i)
    y.data<float>()[i] = static_cast<float>(fn(x.data<float>()[i]));
  return y;
}

struct UnaryCase {
  ir::OpType op;                       // op under test
  ir::Attributes attrs;                // its attributes
  std::function<double(double)> want;  // reference formula
};

TEST(Unary, ActivationsMatchTheirFormulas) {
  ir::Attributes leaky, hsig;
  leaky.set("alpha", 0.3f);
  hsig.set("alpha", 1.0f / 6.0f);
  hsig.set("beta", 0.5f);
  const std::vector<UnaryCase> cases = {
      {ir::OpType::kRelu, {}, [](double v) { return v > 0 ? v : 0; }},
      {ir::OpType::kLeakyRelu, leaky, [](double v) { return v >= 0 ? v : 0.3 * v; }},
      {ir::OpType::kLeakyRelu, {}, [](double v) { return v >= 0 ? v : 0.01 * v; }},
      {ir::OpType::kHardSigmoid, hsig, [](double v) { return std::clamp(v / 6 + 0.5, 0.0, 1.0); }},
      {ir::OpType::kHardSigmoid, {}, [](double v) { return std::clamp(0.2 * v + 0.5, 0.0, 1.0); }},
      {ir::OpType::kHardSwish, {}, [](double v) { return v * std::clamp(v + 3, 0.0, 6.0) / 6; }},
      {ir::OpType::kSigmoid, {}, [](double v) { return 1 / (1 + std::exp(-v)); }},
      {ir::OpType::kTanh, {}, [](double v) { return std::tanh(v); }},
  };
  for (const UnaryCase& c : cases) {
    SCOPED_TRACE(std::string(ir::op_name(c.op)));
    Tensor x = random_tensor({2, 3, 5, 7}, 1, -8.0f, 8.0f);
    OpGraph g(c.op);
    g.input(x);
    for (const auto& [name, value] : c.attrs.all()) g.attr(name, value);
    EXPECT_LT(normalized_error(g.run_both(), map_reference(x, c.want)), 1e-6);
  }
}

TEST(Unary, SigmoidIsStableForLargeMagnitudes) {
  OpGraph g(ir::OpType::kSigmoid);
  g.input(f32({4}, {-200.0f, -90.0f, 90.0f, 200.0f}));
  Tensor y = g.run_both();
  ASSERT_EQ(y.element_count(), 4);
  EXPECT_EQ(y.data<float>()[0], 0.0f);
  EXPECT_FALSE(std::isnan(y.data<float>()[1]));
  EXPECT_EQ(y.data<float>()[3], 1.0f);
}

TEST(Unary, SqrtOfNegativeIsNan) {
  OpGraph g(ir::OpType::kSqrt);
  g.input(f32({3}, {4.0f, 2.25f, -1.0f}));
  Tensor y = g.run_both();
  EXPECT_EQ(y.data<float>()[0], 2.0f);
  EXPECT_EQ(y.data<float>()[1], 1.5f);
  EXPECT_TRUE(std::isnan(y.data<float>()[2]));
}

TEST(Unary, ReluWorksOnIntegers) {
  OpGraph g(ir::OpType::kRelu);
  g.input(i64({4}, {-3, 0, 5, -1}));
  Tensor y = g.run_both();
  EXPECT_EQ(y.dtype(), DType::kI64);
  EXPECT_EQ(y.to_i64(), (std::vector<int64_t>{0, 0, 5, 0}));
}

TEST(Clip, BoundsFromInputsAttributesOrNone) {
  Tensor x = random_tensor({3, 4}, 2, -3.0f, 3.0f);
  auto clipped = [&](double lo, double hi) {
    return map_reference(x, [=](double v) { return std::min(std::max(v, lo), hi); });
  };
  OpGraph both(ir::OpType::kClip);
  both.input(x).constant(f32({}, {-1.0f})).constant(f32({}, {0.5f}));
  EXPECT_EQ(normalized_error(both.run_both(), clipped(-1, 0.5)), 0.0);
  OpGraph only_max(ir::OpType::kClip);
  only_max.input(x).absent().constant(f32({}, {6.0f}));
  EXPECT_EQ(normalized_error(only_max.run_both(), clipped(-1e30, 6)), 0.0);
  OpGraph none(ir::OpType::kClip);
  none.input(x);
  EXPECT_EQ(normalized_error(none.run_both(), x), 0.0);
  OpGraph legacy(ir::OpType::kClip);  // opset-6 attributes
  legacy.input(x).attr("min", 0.0f).attr("max", 6.0f);
  EXPECT_EQ(normalized_error(legacy.run_both(), clipped(0, 6)), 0.0);
  OpGraph ints(ir::OpType::kClip);
  ints.input(i64({4}, {-5, 2, 9, 4})).constant(i64({}, {0})).constant(i64({}, {5}));
  EXPECT_EQ(ints.run_both().to_i64(), (std::vector<int64_t>{0, 2, 5, 4}));
}

// Broadcast reference: for every output index, locate both operands by numpy's rule.
template <typename T>
Tensor broadcast_reference(const Tensor& a, const Tensor& b, DType dtype,
                           const std::function<T(T, T)>& op) {
  const size_t rank = std::max(a.rank(), b.rank());
  std::vector<int64_t> shape(rank);
  auto dim = [&](const Tensor& t, size_t i) {
    const int64_t j = static_cast<int64_t>(i) - static_cast<int64_t>(rank - t.rank());
    return j < 0 ? int64_t{1} : t.dim(static_cast<int>(j));
  };
  for (size_t i = 0; i < rank; ++i) shape[i] = std::max(dim(a, i), dim(b, i));
  Tensor out(dtype, shape);
  std::vector<int64_t> idx(rank, 0);
  for (int64_t e = 0; e < out.element_count(); ++e) {
    int64_t rem = e;
    for (size_t i = rank; i-- > 0;) {
      idx[i] = rem % shape[i];
      rem /= shape[i];
    }
    auto offset = [&](const Tensor& t) {
      int64_t off = 0;
      for (size_t i = 0; i < rank; ++i) off = off * dim(t, i) + (dim(t, i) == 1 ? 0 : idx[i]);
      return off;
    };
    out.data<T>()[e] = op(a.data<T>()[offset(a)], b.data<T>()[offset(b)]);
  }
  return out;
}

const std::vector<std::pair<std::vector<int64_t>, std::vector<int64_t>>> kShapePairs = {
    {{2, 3, 4, 5}, {2, 3, 4, 5}},  // same shape
    {{2, 3, 4, 5}, {}},            // scalar
    {{}, {2, 3, 4, 5}},            // scalar on the left
    {{2, 3, 4, 5}, {1, 3, 1, 1}},  // per-channel (squeeze-excite)
    {{2, 3, 4, 5}, {5}},           // trailing vector
    {{2, 1, 4, 1}, {1, 3, 1, 5}},  // both sides broadcast
    {{3, 1}, {1, 4}},              // outer product
    {{1, 3, 4, 5}, {2, 1, 1, 1}},  // leading broadcast
    {{4, 1, 5}, {2, 4, 3, 5}},     // rank difference
};

TEST(Binary, FloatArithmeticBroadcastsLikeNumpy) {
  struct Op {
    ir::OpType type;                        // op under test
    std::function<float(float, float)> fn;  // reference
  };
  const std::vector<Op> ops = {
      {ir::OpType::kAdd, [](float a, float b) { return a + b; }},
      {ir::OpType::kSub, [](float a, float b) { return a - b; }},
      {ir::OpType::kMul, [](float a, float b) { return a * b; }},
      {ir::OpType::kDiv, [](float a, float b) { return a / b; }},
      {ir::OpType::kPow, [](float a, float b) { return std::pow(a, b); }},
  };
  uint32_t seed = 10;
  for (const Op& op : ops) {
    for (const auto& [sa, sb] : kShapePairs) {
      SCOPED_TRACE(std::string(ir::op_name(op.type)) + " " + shape_to_string(sa) + " " +
                   shape_to_string(sb));
      const bool pow = op.type == ir::OpType::kPow;
      Tensor a = random_tensor(sa, seed++, pow ? 0.1f : -2.0f, 2.0f);
      Tensor b = random_tensor(sb, seed++, 0.5f, 2.0f);
      Tensor want = broadcast_reference<float>(a, b, DType::kF32, op.fn);
      OpGraph g(op.type);
      g.input(a).input(b);
      EXPECT_LT(normalized_error(g.run_both(), want), 1e-6);
      OpGraph c(op.type);  // constant right operand (the usual weight case)
      c.input(a).constant(b);
      EXPECT_LT(normalized_error(c.run_both(), want), 1e-6);
    }
  }
}

TEST(Binary, IntegerShapeArithmetic) {
  Tensor a = i64({4}, {1, 3, 224, -7});
  Tensor b = i64({}, {2});
  auto run = [&](ir::OpType op) {
    OpGraph g(op);
    g.input(a).input(b);
    return g.run_both().to_i64();
  };
  EXPECT_EQ(run(ir::OpType::kAdd), (std::vector<int64_t>{3, 5, 226, -5}));
  EXPECT_EQ(run(ir::OpType::kSub), (std::vector<int64_t>{-1, 1, 222, -9}));
  EXPECT_EQ(run(ir::OpType::kMul), (std::vector<int64_t>{2, 6, 448, -14}));
  EXPECT_EQ(run(ir::OpType::kDiv), (std::vector<int64_t>{0, 1, 112, -3}));  // truncation
  EXPECT_EQ(run(ir::OpType::kPow), (std::vector<int64_t>{1, 9, 50176, 49}));
  Tensor x32 = Tensor::FromVector<int32_t>(DType::kI32, {2}, {7, 9});
  OpGraph g(ir::OpType::kMul);
  g.input(x32).input(x32);
  Tensor y = g.run_both();
  EXPECT_EQ(y.dtype(), DType::kI32);
  EXPECT_EQ(y.to_i64(), (std::vector<int64_t>{49, 81}));
}

TEST(Binary, ErrorsAreReported) {
  OpGraph zero(ir::OpType::kDiv);
  zero.input(i64({2}, {1, 2})).input(i64({2}, {1, 0}));
  auto r = zero.run();
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("division by zero"), std::string::npos);

  OpGraph shapes(ir::OpType::kAdd);
  shapes.input(random_tensor({2, 3}, 1)).input(random_tensor({4}, 2));
  auto s = shapes.evaluate();
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.status().message().find("not broadcastable"), std::string::npos);

  OpGraph types(ir::OpType::kAdd);
  types.input(random_tensor({2}, 1)).input(i64({2}, {1, 2}));
  EXPECT_FALSE(types.evaluate().ok());
}

TEST(Pow, ExponentMayHaveAnotherType) {
  OpGraph g(ir::OpType::kPow);
  g.input(f32({3}, {2.0f, 3.0f, 0.5f})).constant(i64({}, {3}));
  Tensor y = g.run_both();
  EXPECT_EQ(y.dtype(), DType::kF32);
  EXPECT_EQ(y.to_f32(), (std::vector<float>{8.0f, 27.0f, 0.125f}));
}

}  // namespace
}  // namespace mconv::runtime::test
