#include "runtime/sgemm.h"

#include <Eigen/Core>

#include "runtime/thread_pool.h"

namespace mconv::runtime {
namespace {

using RowMajor = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using ConstView = Eigen::Map<const RowMajor, Eigen::Unaligned, Eigen::OuterStride<>>;
using View = Eigen::Map<RowMajor, Eigen::Unaligned, Eigen::OuterStride<>>;

// op(X) restricted to rows [r0, r0 + rows) and columns [c0, c0 + cols) of the *logical* matrix.
ConstView stored_block(const MatrixRef& x, int64_t r0, int64_t rows, int64_t c0, int64_t cols) {
  // A transposed operand is stored cols x rows; its logical block maps to the swapped one.
  if (x.transposed)
    return ConstView(x.data + c0 * x.ld + r0, cols, rows, Eigen::OuterStride<>(x.ld));
  return ConstView(x.data + r0 * x.ld + c0, rows, cols, Eigen::OuterStride<>(x.ld));
}

void gemm_block(int64_t m0, int64_t m, int64_t n0, int64_t n, int64_t k, float alpha,
                const MatrixRef& a, const MatrixRef& b, float beta, float* c, int64_t ldc) {
  View out(c + m0 * ldc + n0, m, n, Eigen::OuterStride<>(ldc));
  ConstView as = stored_block(a, m0, m, 0, k);
  ConstView bs = stored_block(b, 0, k, n0, n);
  if (beta == 0.0f) {
    out.setZero();
  } else if (beta != 1.0f) {
    out *= beta;
  }
  // Four instantiations so Eigen sees each transpose statically and picks its packed kernels.
  if (!a.transposed && !b.transposed) out.noalias() += alpha * (as * bs);
  if (!a.transposed && b.transposed) out.noalias() += alpha * (as * bs.transpose());
  if (a.transposed && !b.transposed) out.noalias() += alpha * (as.transpose() * bs);
  if (a.transposed && b.transposed) out.noalias() += alpha * (as.transpose() * bs.transpose());
}

}  // namespace

void sgemm(int64_t m, int64_t n, int64_t k, float alpha, MatrixRef a, MatrixRef b, float beta,
           float* c, int64_t ldc, const ExecContext& ctx) {
  if (m <= 0 || n <= 0) return;
  if (k <= 0) {  // empty sum: C = beta * C
    for (int64_t r = 0; r < m; ++r)
      for (int64_t j = 0; j < n; ++j) c[r * ldc + j] = beta == 0.0f ? 0.0f : beta * c[r * ldc + j];
    return;
  }
  // Small products are not worth waking the pool (~1 MFLOP per chunk minimum).
  const int64_t work = m * n * k;
  const bool split_rows = m >= n;
  const int64_t split_dim = split_rows ? m : n;
  const int64_t min_rows =
      std::max<int64_t>(8, (int64_t{1} << 20) / std::max<int64_t>(work / split_dim, 1));
  parallel_for(ctx, split_dim, min_rows, [&](int64_t begin, int64_t end) {
    if (split_rows) {
      gemm_block(begin, end - begin, 0, n, k, alpha, a, b, beta, c, ldc);
    } else {
      gemm_block(0, m, begin, end - begin, k, alpha, a, b, beta, c, ldc);
    }
  });
}

}  // namespace mconv::runtime
