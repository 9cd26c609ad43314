// Gemm and MatMul against triple-loop references.
#include <gtest/gtest.h>

#include "runtime_test_util.h"

namespace mconv::runtime::test {
namespace {

// Y = alpha * op(A) op(B) + beta * C with C broadcast by explicit index rules.
Tensor reference_gemm(const Tensor& a, const Tensor& b, const Tensor* c, float alpha, float beta,
                      bool ta, bool tb) {
  const int64_t m = ta ? a.dim(1) : a.dim(0), k = ta ? a.dim(0) : a.dim(1);
  const int64_t n = tb ? b.dim(0) : b.dim(1);
  Tensor y(DType::kF32, {m, n});
  for (int64_t i = 0; i < m; ++i)
    for (int64_t j = 0; j < n; ++j) {
      double acc = 0;
      for (int64_t p = 0; p < k; ++p) {
        const float av = ta ? a.data<float>()[p * m + i] : a.data<float>()[i * k + p];
        const float bv = tb ? b.data<float>()[j * k + p] : b.data<float>()[p * n + j];
        acc += static_cast<double>(av) * bv;
      }
      double cv = 0;
      if (c) {
        const int64_t rows = c->rank() == 2 ? c->dim(0) : 1;
        const int64_t cols = c->rank() >= 1 ? c->dim(c->rank() - 1) : 1;
        cv = c->data<float>()[(rows == 1 ? 0 : i) * cols + (cols == 1 ? 0 : j)];
      }
      y.data<float>()[i * n + j] = static_cast<float>(alpha * acc + beta * cv);
    }
  return y;
}

TEST(Gemm, AllTransposesAndBiasShapes) {
  const int64_t m = 5, k = 7, n = 6;
  const std::vector<std::vector<int64_t>> c_shapes = {{}, {n}, {1, n}, {m, 1}, {m, n}, {1}};
  uint32_t seed = 40;
  for (bool ta : {false, true})
    for (bool tb : {false, true})
      for (const auto& cs : c_shapes) {
        SCOPED_TRACE("transA=" + std::to_string(ta) + " transB=" + std::to_string(tb) + " C" +
                     shape_to_string(cs));
        Tensor a =
            random_tensor(ta ? std::vector<int64_t>{k, m} : std::vector<int64_t>{m, k}, seed++);
        Tensor b =
            random_tensor(tb ? std::vector<int64_t>{n, k} : std::vector<int64_t>{k, n}, seed++);
        Tensor c = random_tensor(cs, seed++);
        OpGraph g(ir::OpType::kGemm);
        g.input(a)
            .constant(b)
            .constant(c)
            .attr("alpha", 0.7f)
            .attr("beta", 1.3f)
            .attr("transA", int64_t{ta})
            .attr("transB", int64_t{tb});
        EXPECT_LT(normalized_error(g.run_both(), reference_gemm(a, b, &c, 0.7f, 1.3f, ta, tb)),
                  1e-6);
      }
}

TEST(Gemm, WithoutBiasAndAsAClassifierHead) {
  // The torchvision Linear form: [1, 1024] x [1000, 1024]^T + [1000].
  Tensor a = random_tensor({2, 64}, 1), b = random_tensor({100, 64}, 2),
         c = random_tensor({100}, 3);
  OpGraph g(ir::OpType::kGemm);
  g.input(a).constant(b).constant(c).attr("transB", int64_t{1});
  EXPECT_LT(normalized_error(g.run_both(), reference_gemm(a, b, &c, 1, 1, false, true)), 1e-6);
  OpGraph plain(ir::OpType::kGemm);
  plain.input(a).input(random_tensor({64, 3}, 4));
  EXPECT_EQ(plain.run_both().shape(), (std::vector<int64_t>{2, 3}));
  OpGraph threaded(ir::OpType::kGemm);
  threaded.input(a).constant(b).constant(c).attr("transB", int64_t{1});
  auto t = threaded.run(2);
  ASSERT_TRUE(t.ok());
  EXPECT_LT(normalized_error((*t)[0], reference_gemm(a, b, &c, 1, 1, false, true)), 1e-6);
}

TEST(Gemm, MismatchedInnerDimsIsAnError) {
  OpGraph g(ir::OpType::kGemm);
  g.input(random_tensor({2, 3}, 1)).input(random_tensor({4, 5}, 2));
  EXPECT_FALSE(g.evaluate().ok());
}

// numpy matmul: promote 1-D operands, broadcast batch dims, multiply the trailing matrices.
Tensor reference_matmul(const Tensor& a, const Tensor& b) {
  std::vector<int64_t> da = a.shape(), db = b.shape();
  if (da.size() == 1) da.insert(da.begin(), 1);
  if (db.size() == 1) db.push_back(1);
  const int64_t m = da[da.size() - 2], k = da.back(), n = db.back();
  const size_t batch_rank = std::max(da.size(), db.size()) - 2;
  auto bdim = [&](const std::vector<int64_t>& d, size_t i) {
    const int64_t j = static_cast<int64_t>(i) - static_cast<int64_t>(batch_rank - (d.size() - 2));
    return j < 0 ? int64_t{1} : d[j];
  };
  std::vector<int64_t> batch(batch_rank);
  for (size_t i = 0; i < batch_rank; ++i) batch[i] = std::max(bdim(da, i), bdim(db, i));
  int64_t batches = 1;
  for (int64_t d : batch) batches *= d;
  std::vector<int64_t> shape = batch;
  if (a.rank() > 1) shape.push_back(m);
  if (b.rank() > 1) shape.push_back(n);
  Tensor y(DType::kF32, shape);
  for (int64_t t = 0; t < batches; ++t) {
    int64_t rem = t, oa = 0, ob = 0, sa = 1, sb = 1;
    for (size_t i = batch_rank; i-- > 0;) {
      const int64_t idx = rem % batch[i];
      rem /= batch[i];
      oa += (bdim(da, i) == 1 ? 0 : idx) * sa;
      ob += (bdim(db, i) == 1 ? 0 : idx) * sb;
      sa *= bdim(da, i);
      sb *= bdim(db, i);
    }
    for (int64_t i = 0; i < m; ++i)
      for (int64_t j = 0; j < n; ++j) {
        double acc = 0;
        for (int64_t p = 0; p < k; ++p)
          acc += static_cast<double>(a.data<float>()[oa * m * k + i * k + p]) *
                 b.data<float>()[ob * k * n + p * n + j];
        y.data<float>()[t * m * n + i * n + j] = static_cast<float>(acc);
      }
  }
  return y;
}

TEST(MatMul, BatchedBroadcastingAndVectors) {
  const std::vector<std::pair<std::vector<int64_t>, std::vector<int64_t>>> cases = {
      {{4, 5}, {5, 3}},
      {{2, 4, 5}, {5, 3}},  // folded into one tall GEMM
      {{2, 4, 5}, {2, 5, 3}},
      {{2, 1, 4, 5}, {3, 5, 6}},  // batch broadcast both ways
      {{1, 4, 5}, {3, 5, 2}},
      {{5}, {5, 3}},     // vector on the left
      {{2, 4, 5}, {5}},  // vector on the right
      {{5}, {5}},        // dot product -> scalar
  };
  uint32_t seed = 60;
  for (const auto& [sa, sb] : cases) {
    SCOPED_TRACE(shape_to_string(sa) + " x " + shape_to_string(sb));
    Tensor a = random_tensor(sa, seed++), b = random_tensor(sb, seed++);
    Tensor want = reference_matmul(a, b);
    OpGraph g(ir::OpType::kMatMul);
    g.input(a).constant(b);
    Tensor got = g.run_both();
    EXPECT_EQ(got.shape(), want.shape());
    EXPECT_LT(normalized_error(got, want), 1e-6);
  }
}

}  // namespace
}  // namespace mconv::runtime::test
