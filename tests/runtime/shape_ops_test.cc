// Data-movement and shape ops, including the i64 shape arithmetic constant folding relies on.
// Transpose and Slice are checked against index-by-index references on random inputs.
#include <gtest/gtest.h>

#include <numeric>

#include "runtime_test_util.h"

namespace mconv::runtime::test {
namespace {

std::vector<int64_t> row_major_strides(const std::vector<int64_t>& shape) {
  std::vector<int64_t> s(shape.size(), 1);
  for (size_t i = shape.size(); i-- > 1;) s[i - 1] = s[i] * shape[i];
  return s;
}

// Multi-index of flat position e in `shape`.
std::vector<int64_t> unravel(int64_t e, const std::vector<int64_t>& shape) {
  std::vector<int64_t> idx(shape.size());
  for (size_t i = shape.size(); i-- > 0;) {
    idx[i] = e % shape[i];
    e /= shape[i];
  }
  return idx;
}

TEST(Reshape, ZeroCopiesAndMinusOneInfers) {
  Tensor x = random_tensor({2, 3, 4}, 1);
  OpGraph g(ir::OpType::kReshape);
  g.input(x).constant(i64_vector({0, -1}));
  Tensor y = g.run_both();
  EXPECT_EQ(y.shape(), (std::vector<int64_t>{2, 12}));
  EXPECT_EQ(y.bytes(), x.bytes());

  OpGraph zero(ir::OpType::kReshape);  // allowzero: 0 is a real zero-size dim
  zero.input(Tensor(DType::kF32, {0, 3}))
      .constant(i64_vector({3, 0}))
      .attr("allowzero", int64_t{1});
  EXPECT_EQ(zero.run_both().shape(), (std::vector<int64_t>{3, 0}));

  OpGraph bad(ir::OpType::kReshape);
  bad.input(x).constant(i64_vector({5, -1}));
  EXPECT_FALSE(bad.evaluate().ok());
  OpGraph two(ir::OpType::kReshape);
  two.input(x).constant(i64_vector({-1, -1}));
  EXPECT_FALSE(two.evaluate().ok());
}

TEST(Flatten, AxisSplitsTheShape) {
  Tensor x = random_tensor({2, 3, 4, 5}, 2);
  for (int64_t axis : {0, 1, 2, 4, -1}) {
    OpGraph g(ir::OpType::kFlatten);
    g.input(x).attr("axis", axis);
    const int64_t a = axis < 0 ? axis + 4 : axis;
    int64_t left = 1;
    for (int i = 0; i < a; ++i) left *= x.dim(i);
    Tensor y = g.run_both();
    EXPECT_EQ(y.shape(), (std::vector<int64_t>{left, 120 / left})) << "axis " << axis;
    EXPECT_EQ(y.bytes(), x.bytes());
  }
}

TEST(SqueezeUnsqueeze, AxesFromInputs) {
  Tensor x = random_tensor({1, 3, 1, 5}, 3);
  OpGraph s(ir::OpType::kSqueeze);
  s.input(x).constant(i64_vector({0, -2}));
  EXPECT_EQ(s.run_both().shape(), (std::vector<int64_t>{3, 5}));
  OpGraph all(ir::OpType::kSqueeze);
  all.input(x);
  EXPECT_EQ(all.run_both().shape(), (std::vector<int64_t>{3, 5}));
  OpGraph bad(ir::OpType::kSqueeze);
  bad.input(x).constant(i64_vector({1}));
  EXPECT_FALSE(bad.evaluate().ok());

  OpGraph u(ir::OpType::kUnsqueeze);
  u.input(random_tensor({3, 5}, 4)).constant(i64_vector({0, 3, -1}));
  EXPECT_EQ(u.run_both().shape(), (std::vector<int64_t>{1, 3, 5, 1, 1}));
  OpGraph scalar(ir::OpType::kUnsqueeze);  // the scalar -> [1] step of shape arithmetic
  scalar.input(i64({}, {7})).constant(i64_vector({0}));
  Tensor y = scalar.run_both();
  EXPECT_EQ(y.shape(), (std::vector<int64_t>{1}));
  EXPECT_EQ(y.to_i64(), (std::vector<int64_t>{7}));
}

TEST(ShapeArithmetic, ShapeGatherConcatReshapeChain) {
  // The pattern exporters emit for x.view(x.size(0), -1): Shape -> Gather(0) -> Unsqueeze ->
  // Concat with [-1] -> Reshape. Built as one graph so the interpreter runs i64 values end to end.
  ir::Graph g;
  ir::Value* x = g.add_value("x", DType::kF32, {ir::Dim{-1, "batch"}, {3}, {2}, {2}});
  auto v = [&](const char* name, DType t) { return g.add_value(name, t, {}, false); };
  ir::Value* shape = v("shape", DType::kI64);
  ir::Value* batch = v("batch", DType::kI64);
  ir::Value* batch1 = v("batch1", DType::kI64);
  ir::Value* target = v("target", DType::kI64);
  ir::Value* y = v("y", DType::kF32);
  g.add_node(ir::OpType::kShape, "shape", {x}, {shape});
  g.add_node(ir::OpType::kGather, "gather", {shape, g.add_constant("zero", i64({}, {0}))}, {batch});
  g.add_node(ir::OpType::kUnsqueeze, "unsq", {batch, g.add_constant("ax", i64_vector({0}))},
             {batch1});
  ir::Node* cat = g.add_node(ir::OpType::kConcat, "cat",
                             {batch1, g.add_constant("minus1", i64_vector({-1}))}, {target});
  cat->attrs.set("axis", int64_t{0});
  g.add_node(ir::OpType::kReshape, "reshape", {x, target}, {y});
  g.inputs = {x};
  g.outputs = {y, target};
  auto interp = Interpreter::Create(g);
  ASSERT_TRUE(interp.ok()) << interp.status().message();
  for (int64_t n : {1, 4}) {
    Tensor in = random_tensor({n, 3, 2, 2}, 5);
    auto out = (*interp)->run({in});
    ASSERT_TRUE(out.ok()) << out.status().message();
    EXPECT_EQ((*out)[0].shape(), (std::vector<int64_t>{n, 12}));
    EXPECT_EQ((*out)[1].to_i64(), (std::vector<int64_t>{n, -1}));
  }
}

TEST(Shape, StartAndEndSlice) {
  Tensor x(DType::kF32, {2, 3, 4, 5});
  OpGraph all(ir::OpType::kShape);
  all.input(x);
  EXPECT_EQ(all.run_both().to_i64(), (std::vector<int64_t>{2, 3, 4, 5}));
  OpGraph part(ir::OpType::kShape);
  part.input(x).attr("start", int64_t{1}).attr("end", int64_t{-1});
  EXPECT_EQ(part.run_both().to_i64(), (std::vector<int64_t>{3, 4}));
  OpGraph clamped(ir::OpType::kShape);
  clamped.input(x).attr("start", int64_t{-10});
  EXPECT_EQ(clamped.run_both().to_i64(), (std::vector<int64_t>{2, 3, 4, 5}));
}

TEST(Gather, AxesNegativeIndicesAndScalars) {
  Tensor x = random_tensor({3, 4, 5}, 6);
  for (int64_t axis : {0, 1, 2, -1}) {
    const int a = static_cast<int>(axis < 0 ? axis + 3 : axis);
    Tensor idx = i64({2, 2}, {0, -1, 1, 2});
    OpGraph g(ir::OpType::kGather);
    g.input(x).constant(idx).attr("axis", axis);
    Tensor y = g.run_both();
    std::vector<int64_t> want_shape(x.shape().begin(), x.shape().begin() + a);
    want_shape.insert(want_shape.end(), {2, 2});
    want_shape.insert(want_shape.end(), x.shape().begin() + a + 1, x.shape().end());
    ASSERT_EQ(y.shape(), want_shape) << "axis " << axis;
    const auto xs = row_major_strides(x.shape());
    for (int64_t e = 0; e < y.element_count(); ++e) {
      auto o = unravel(e, y.shape());
      int64_t k = idx.data<int64_t>()[o[a] * 2 + o[a + 1]];
      if (k < 0) k += x.dim(a);
      int64_t off = 0;
      for (int d = 0, od = 0; d < 3; ++d, ++od) {
        if (d == a) {
          off += k * xs[d];
          ++od;  // the index occupies two output dims
        } else {
          off += o[od] * xs[d];
        }
      }
      ASSERT_EQ(y.data<float>()[e], x.data<float>()[off]) << "axis " << axis << " element " << e;
    }
  }
  OpGraph scalar(ir::OpType::kGather);
  scalar.input(i64_vector({1, 3, 224, 224})).constant(i64({}, {-3}));
  Tensor s = scalar.run_both();
  EXPECT_EQ(s.rank(), 0);
  EXPECT_EQ(s.to_i64(), (std::vector<int64_t>{3}));
  OpGraph out_of_range(ir::OpType::kGather);
  out_of_range.input(x).constant(i64({}, {3}));
  EXPECT_FALSE(out_of_range.evaluate().ok());
}

TEST(ConstantOfShape, FillsWithTheValueAttribute) {
  OpGraph g(ir::OpType::kConstantOfShape);
  g.input(i64_vector({2, 3})).attr("value", i64({1}, {-1}));
  Tensor y = g.run_both();
  EXPECT_EQ(y.dtype(), DType::kI64);
  EXPECT_EQ(y.to_i64(), std::vector<int64_t>(6, -1));
  OpGraph def(ir::OpType::kConstantOfShape);
  def.input(i64_vector({4}));
  Tensor z = def.run_both();
  EXPECT_EQ(z.dtype(), DType::kF32);
  EXPECT_EQ(z.to_f32(), std::vector<float>(4, 0.0f));
}

TEST(Concat, JoinsAlongAnyAxis) {
  Tensor a = random_tensor({2, 3, 4}, 7), b = random_tensor({2, 1, 4}, 8);
  OpGraph g(ir::OpType::kConcat);
  g.input(a).input(b).input(a).attr("axis", int64_t{-2});
  Tensor y = g.run_both();
  ASSERT_EQ(y.shape(), (std::vector<int64_t>{2, 7, 4}));
  for (int64_t e = 0; e < y.element_count(); ++e) {
    auto o = unravel(e, y.shape());
    const Tensor& src = o[1] < 3 ? a : o[1] < 4 ? b : a;
    const int64_t row = o[1] < 3 ? o[1] : o[1] < 4 ? 0 : o[1] - 4;
    ASSERT_EQ(y.data<float>()[e], src.data<float>()[(o[0] * src.dim(1) + row) * 4 + o[2]]);
  }
  OpGraph ints(ir::OpType::kConcat);
  ints.input(i64_vector({1})).input(i64_vector({-1, 7})).attr("axis", int64_t{0});
  EXPECT_EQ(ints.run_both().to_i64(), (std::vector<int64_t>{1, -1, 7}));
  OpGraph bad(ir::OpType::kConcat);
  bad.input(a).input(random_tensor({2, 3, 5}, 9)).attr("axis", int64_t{1});
  EXPECT_FALSE(bad.evaluate().ok());
}

TEST(Split, SizesEqualAndUneven) {
  Tensor x = random_tensor({2, 7, 3}, 10);
  OpGraph g(ir::OpType::kSplit);
  g.input(x).constant(i64_vector({2, 4, 1})).attr("axis", int64_t{1}).outputs(3);
  auto parts = g.run();
  ASSERT_TRUE(parts.ok()) << parts.status().message();
  ASSERT_EQ(parts->size(), 3u);
  int64_t begin = 0;
  for (const Tensor& p : *parts) {
    for (int64_t e = 0; e < p.element_count(); ++e) {
      auto o = unravel(e, p.shape());
      ASSERT_EQ(p.data<float>()[e], x.data<float>()[(o[0] * 7 + begin + o[1]) * 3 + o[2]]);
    }
    begin += p.dim(1);
  }
  EXPECT_EQ(begin, 7);
  OpGraph equal(ir::OpType::kSplit);
  equal.input(random_tensor({6, 2}, 11)).outputs(3);
  auto eq = equal.evaluate();
  ASSERT_TRUE(eq.ok());
  for (const Tensor& p : *eq) EXPECT_EQ(p.shape(), (std::vector<int64_t>{2, 2}));
  OpGraph uneven(ir::OpType::kSplit);  // opset 18 num_outputs rule: last piece smaller
  uneven.input(random_tensor({5}, 12)).outputs(2);
  auto un = uneven.evaluate();
  ASSERT_TRUE(un.ok());
  EXPECT_EQ((*un)[0].dim(0), 3);
  EXPECT_EQ((*un)[1].dim(0), 2);
}

// Slice reference: walks every candidate index with the step, keeping the in-range ones.
Tensor reference_slice(const Tensor& x, std::vector<int64_t> starts, std::vector<int64_t> ends,
                       std::vector<int64_t> axes, std::vector<int64_t> steps) {
  const int rank = x.rank();
  std::vector<std::vector<int64_t>> picks(rank);
  for (int a = 0; a < rank; ++a)
    for (int64_t i = 0; i < x.dim(a); ++i) picks[a].push_back(i);
  for (size_t i = 0; i < axes.size(); ++i) {
    const int a = static_cast<int>(axes[i] < 0 ? axes[i] + rank : axes[i]);
    const int64_t dim = x.dim(a), s = steps[i];
    int64_t b = starts[i] < 0 ? starts[i] + dim : starts[i];
    int64_t e = ends[i] < 0 ? ends[i] + dim : ends[i];
    // Same clamping as numpy slicing, which the ONNX definition mirrors.
    if (s > 0) {
      b = std::clamp<int64_t>(b, 0, dim);
      e = std::clamp<int64_t>(e, 0, dim);
    } else {
      b = std::clamp<int64_t>(b, 0, dim - 1);
      e = std::clamp<int64_t>(e, -1, dim - 1);
    }
    picks[a].clear();
    for (int64_t k = b; s > 0 ? k < e : k > e; k += s) picks[a].push_back(k);
  }
  std::vector<int64_t> shape;
  for (auto& p : picks) shape.push_back(static_cast<int64_t>(p.size()));
  Tensor y(DType::kF32, shape);
  const auto xs = row_major_strides(x.shape());
  for (int64_t e = 0; e < y.element_count(); ++e) {
    auto o = unravel(e, shape);
    int64_t off = 0;
    for (int a = 0; a < rank; ++a) off += picks[a][o[a]] * xs[a];
    y.data<float>()[e] = x.data<float>()[off];
  }
  return y;
}

TEST(Slice, MatchesReferenceWithNegativeClampedAndStepped) {
  Tensor x = random_tensor({4, 6, 5}, 13);
  const int64_t kMax = std::numeric_limits<int64_t>::max(),
                kMin = std::numeric_limits<int64_t>::min();
  struct Case {
    std::vector<int64_t> starts, ends, axes, steps;
  };
  const std::vector<Case> cases = {
      {{1}, {3}, {0}, {1}},
      {{0, -4}, {kMax, -1}, {0, 1}, {1, 1}},
      {{-1}, {kMin}, {1}, {-1}},  // full reverse
      {{5}, {0}, {1}, {-2}},      // reverse with step
      {{-100, 2}, {100, 100}, {2, 0}, {2, 1}},
      {{3}, {1}, {0}, {1}},       // empty
      {{10}, {-10}, {-1}, {-1}},  // start clamped to dim-1
      {{0, 0, 0}, {4, 6, 5}, {0, 1, 2}, {3, 4, 3}},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE("starts " + shape_to_string(c.starts) + " steps " + shape_to_string(c.steps));
    Tensor want = reference_slice(x, c.starts, c.ends, c.axes, c.steps);
    OpGraph g(ir::OpType::kSlice);
    g.input(x)
        .constant(i64_vector(c.starts))
        .constant(i64_vector(c.ends))
        .constant(i64_vector(c.axes))
        .constant(i64_vector(c.steps));
    Tensor got = g.run_both();
    ASSERT_EQ(got.shape(), want.shape());
    EXPECT_EQ(got.bytes(), want.bytes());
  }
  OpGraph defaults(ir::OpType::kSlice);  // no axes/steps: leading axes, unit steps
  defaults.input(x).constant(i64_vector({1, 2})).constant(i64_vector({3, 4}));
  EXPECT_EQ(defaults.run_both().bytes(),
            reference_slice(x, {1, 2}, {3, 4}, {0, 1}, {1, 1}).bytes());
  OpGraph ints(ir::OpType::kSlice);  // shape-tensor slicing (x.shape[2:])
  ints.input(i64_vector({1, 3, 224, 224})).constant(i64_vector({2})).constant(i64_vector({kMax}));
  EXPECT_EQ(ints.run_both().to_i64(), (std::vector<int64_t>{224, 224}));
}

TEST(Transpose, RandomPermutationsMatchReference) {
  Tensor x = random_tensor({2, 3, 4, 5}, 14);
  std::vector<int64_t> perm = {0, 1, 2, 3};
  do {
    OpGraph g(ir::OpType::kTranspose);
    g.input(x).attr("perm", perm);
    Tensor y = g.run_both();
    const auto xs = row_major_strides(x.shape());
    bool ok = true;
    for (int64_t e = 0; e < y.element_count() && ok; ++e) {
      auto o = unravel(e, y.shape());
      int64_t off = 0;
      for (int i = 0; i < 4; ++i) off += o[i] * xs[perm[i]];
      ok = y.data<float>()[e] == x.data<float>()[off];
    }
    EXPECT_TRUE(ok) << "perm " << shape_to_string(perm);
  } while (std::next_permutation(perm.begin(), perm.end()));
  OpGraph rev(ir::OpType::kTranspose);  // default perm reverses
  rev.input(random_tensor({2, 3}, 15));
  EXPECT_EQ(rev.run_both().shape(), (std::vector<int64_t>{3, 2}));
}

TEST(IdentityDropout, PassThrough) {
  Tensor x = random_tensor({3, 3}, 16);
  OpGraph id(ir::OpType::kIdentity);
  id.input(x);
  EXPECT_TRUE(identical(id.run_both(), x));
  OpGraph drop(ir::OpType::kDropout);
  drop.input(x).constant(f32({}, {0.5f}));
  EXPECT_TRUE(identical(drop.run_both(), x));
  OpGraph training(ir::OpType::kDropout);
  training.input(x)
      .constant(f32({}, {0.5f}))
      .constant(Tensor::FromVector<uint8_t>(DType::kBool, {}, {1}));
  EXPECT_FALSE(training.evaluate().ok());
}

TEST(Cast, ConvertsBetweenTypes) {
  auto cast = [](const Tensor& x, DType to) {
    OpGraph g(ir::OpType::kCast);
    g.input(x).attr("to", static_cast<int64_t>(to));
    return g.run_both();
  };
  Tensor f = f32({5}, {-2.7f, -0.5f, 0.0f, 1.9f, 300.0f});
  Tensor as_i64 = cast(f, DType::kI64);
  EXPECT_EQ(as_i64.dtype(), DType::kI64);
  EXPECT_EQ(as_i64.to_i64(), (std::vector<int64_t>{-2, 0, 0, 1, 300}));              // truncation
  EXPECT_EQ(cast(f, DType::kU8).to_i64(), (std::vector<int64_t>{0, 0, 0, 1, 255}));  // saturates
  EXPECT_EQ(cast(f, DType::kBool).to_i64(), (std::vector<int64_t>{1, 1, 0, 1, 1}));
  Tensor back = cast(i64_vector({3, -4, 1 << 20}), DType::kF32);
  EXPECT_EQ(back.to_f32(), (std::vector<float>{3.0f, -4.0f, 1048576.0f}));
  Tensor half = cast(f32({2}, {1.0f, 0.333333f}), DType::kF16);
  EXPECT_EQ(half.dtype(), DType::kF16);
  EXPECT_NEAR(half.to_f32()[1], 0.333333f, 1e-3);
  EXPECT_EQ(cast(i64_vector({7, 300}), DType::kI32).to_i64(), (std::vector<int64_t>{7, 300}));
}

TEST(HostileShapes, AreErrorsNotCrashes) {
  OpGraph split(ir::OpType::kSplit);  // sums to the extent but with a negative piece
  split.input(random_tensor({5}, 1)).constant(i64_vector({-1, 6})).outputs(2);
  EXPECT_FALSE(split.evaluate().ok());
  OpGraph huge(ir::OpType::kConstantOfShape);  // element count overflows int64
  huge.input(i64_vector({int64_t{1} << 40, int64_t{1} << 40}));
  EXPECT_FALSE(huge.evaluate().ok());
  OpGraph reshape(ir::OpType::kReshape);
  reshape.input(random_tensor({4}, 2))
      .constant(i64_vector({int64_t{1} << 62, int64_t{1} << 62, -1}));
  EXPECT_FALSE(reshape.evaluate().ok());
  OpGraph pad(ir::OpType::kPad);
  pad.input(random_tensor({2}, 3)).constant(i64_vector({std::numeric_limits<int64_t>::max(), 1}));
  EXPECT_FALSE(pad.evaluate().ok());
}

}  // namespace
}  // namespace mconv::runtime::test
