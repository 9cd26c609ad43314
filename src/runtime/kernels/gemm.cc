// Gemm: Y = alpha * A' * B' + beta * C, A' = transA ? A^T : A (2-D), likewise B'; C is optional
// and unidirectionally broadcast to [M, N]. The GEMM reads transposed operands in place; a
// constant B stored as f16 is widened to f32 once at creation.
#include "runtime/kernels/kernel_factories.h"
#include "runtime/kernels/kernel_util.h"
#include "runtime/sgemm.h"

namespace mconv::runtime::kernels {
namespace {

class GemmKernel final : public Kernel {
 public:
  GemmKernel(float alpha, float beta, bool trans_a, bool trans_b)
      : alpha_(alpha), beta_(beta), trans_a_(trans_a), trans_b_(trans_b) {}

  Status prepare(const ir::Node& node) {
    const Tensor* b = constant_input(node, 1);
    if (b && b->dtype() != DType::kF32 && dtype_is_float(b->dtype())) {
      MCONV_ASSIGN_OR_RETURN(widened_b_, float_values(*b, "B"));
      widened_from_ = b;
    }
    return Status::Ok();
  }

  Status run(KernelInputs in, std::vector<Tensor>& out, const ExecContext& ctx) override {
    MCONV_RETURN_IF_ERROR(require_input(in, 0, "A"));
    MCONV_RETURN_IF_ERROR(require_input(in, 1, "B"));
    const Tensor& a = *in[0];
    const Tensor& b = *in[1];
    const Tensor* c = in.size() > 2 ? in[2] : nullptr;
    MCONV_RETURN_IF_ERROR(require_f32(a, "A"));
    if (a.rank() != 2 || b.rank() != 2)
      return Status::Error("A " + a.describe() + " and B " + b.describe() + " must be 2-D");
    const int64_t m = trans_a_ ? a.dim(1) : a.dim(0), k = trans_a_ ? a.dim(0) : a.dim(1);
    const int64_t kb = trans_b_ ? b.dim(1) : b.dim(0), n = trans_b_ ? b.dim(0) : b.dim(1);
    if (k != kb)
      return Status::Error("inner dims differ: A " + a.describe() +
                           (trans_a_ ? " (transposed)" : "") + ", B " + b.describe() +
                           (trans_b_ ? " (transposed)" : ""));
    const float* bd = nullptr;
    std::vector<float> local_b;
    if (&b == widened_from_) {
      bd = widened_b_.data();
    } else if (b.dtype() == DType::kF32) {
      bd = b.data<float>();
    } else {
      MCONV_ASSIGN_OR_RETURN(local_b, float_values(b, "B"));
      bd = local_b.data();
    }
    out[0] = Tensor(DType::kF32, {m, n});
    float* y = out[0].data<float>();
    float gemm_beta = 0.0f;
    if (c && beta_ != 0.0f && c->element_count() > 0) {
      MCONV_RETURN_IF_ERROR(fill_with_c(*c, m, n, y));
      gemm_beta = 1.0f;
    }
    sgemm(m, n, k, alpha_, {a.data<float>(), a.dim(1), trans_a_}, {bd, b.dim(1), trans_b_},
          gemm_beta, y, n, ctx);
    return Status::Ok();
  }

 private:
  // y = beta * C broadcast to [m, n].
  Status fill_with_c(const Tensor& c, int64_t m, int64_t n, float* y) const {
    MCONV_ASSIGN_OR_RETURN(std::vector<float> cv, float_values(c, "C"));
    if (c.rank() > 2) return Status::Error("C " + c.describe() + " must have rank <= 2");
    const int64_t rows = c.rank() == 2 ? c.dim(0) : 1;
    const int64_t cols = c.rank() >= 1 ? c.dim(c.rank() - 1) : 1;
    if ((rows != 1 && rows != m) || (cols != 1 && cols != n))
      return Status::Error("C " + c.describe() + " does not broadcast to [" + std::to_string(m) +
                           "," + std::to_string(n) + "]");
    for (int64_t i = 0; i < m; ++i)
      for (int64_t j = 0; j < n; ++j)
        y[i * n + j] = beta_ * cv[(rows == 1 ? 0 : i) * cols + (cols == 1 ? 0 : j)];
    return Status::Ok();
  }

  float alpha_, beta_;                    // scale of the product and of C
  bool trans_a_, trans_b_;                // operands are stored transposed
  const Tensor* widened_from_ = nullptr;  // constant non-f32 B that widened_b_ holds
  std::vector<float> widened_b_;          // f32 copy of that B
};

}  // namespace

KernelPtr create_gemm_kernel(const ir::Node& node) {
  return make_prepared_kernel<GemmKernel>(
      node, node.attrs.get_float("alpha", 1.0f), node.attrs.get_float("beta", 1.0f),
      node.attrs.get_int("transA", 0) != 0, node.attrs.get_int("transB", 0) != 0);
}

}  // namespace mconv::runtime::kernels
