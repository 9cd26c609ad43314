// Single-precision GEMM on row-major buffers, backed by Eigen. The only place the runtime
// includes Eigen, so the heavy headers compile once.
#pragma once

#include <cstdint>

#include "runtime/kernel.h"

namespace mconv::runtime {

// Describes one row-major operand: element (r, c) of the stored matrix is data[r * ld + c].
struct MatrixRef {
  const float* data;  // first element
  int64_t ld;         // elements between consecutive rows
  bool transposed;    // use the transpose of the stored matrix
};

// C[m x n] = alpha * op(A)[m x k] * op(B)[k x n] + beta * C, where C is row-major with leading
// dimension ldc. beta == 0 never reads C. With a pool in ctx, the larger of m and n is split
// across threads (each thread computes whole output elements, so results do not depend on
// scheduling).
void sgemm(int64_t m, int64_t n, int64_t k, float alpha, MatrixRef a, MatrixRef b, float beta,
           float* c, int64_t ldc, const ExecContext& ctx);

}  // namespace mconv::runtime
