// MatMul with numpy semantics: 1-D operands are promoted (and the promoted dim removed again),
// leading batch dims broadcast. When B has no batch dims the batch folds into one tall GEMM.
#include "runtime/kernels/broadcast.h"
#include "runtime/kernels/kernel_factories.h"
#include "runtime/kernels/kernel_util.h"
#include "runtime/sgemm.h"

namespace mconv::runtime::kernels {

KernelPtr create_matmul_kernel(const ir::Node&) {
  return make_lambda_kernel([](KernelInputs in, std::vector<Tensor>& out,
                               const ExecContext& ctx) -> Status {
    MCONV_RETURN_IF_ERROR(require_input(in, 0, "A"));
    MCONV_RETURN_IF_ERROR(require_input(in, 1, "B"));
    const Tensor& a = *in[0];
    const Tensor& b = *in[1];
    MCONV_RETURN_IF_ERROR(require_f32(a, "A"));
    MCONV_RETURN_IF_ERROR(require_f32(b, "B"));
    if (a.rank() < 1 || b.rank() < 1) return Status::Error("operands must have rank >= 1");
    std::vector<int64_t> da = a.shape(), db = b.shape();
    const bool a_vector = da.size() == 1, b_vector = db.size() == 1;
    if (a_vector) da.insert(da.begin(), 1);
    if (b_vector) db.push_back(1);
    const int64_t m = da[da.size() - 2], k = da.back(), n = db.back();
    if (db[db.size() - 2] != k)
      return Status::Error("inner dims differ: A " + a.describe() + ", B " + b.describe());
    const std::vector<int64_t> batch_a(da.begin(), da.end() - 2), batch_b(db.begin(), db.end() - 2);
    MCONV_ASSIGN_OR_RETURN(std::vector<int64_t> batch, broadcast_shape(batch_a, batch_b));
    std::vector<int64_t> shape = batch;
    if (!a_vector) shape.push_back(m);
    if (!b_vector) shape.push_back(n);
    out[0] = Tensor(DType::kF32, shape);
    const float* pa = a.data<float>();
    const float* pb = b.data<float>();
    float* py = out[0].data<float>();
    const int64_t batches = dims_product(batch);
    if (dims_product(batch_b) == 1 && dims_product(batch_a) == batches) {
      // B is one matrix for every batch and A's batches are contiguous: one tall GEMM.
      sgemm(batches * m, n, k, 1.0f, {pa, k, false}, {pb, n, false}, 0.0f, py, n, ctx);
      return Status::Ok();
    }
    // General case: walk the broadcast batch index and locate each operand's matrix.
    const int64_t rank = static_cast<int64_t>(batch.size());
    std::vector<int64_t> idx(rank, 0);
    const std::vector<int64_t> sa = contiguous_strides(batch_a), sb = contiguous_strides(batch_b);
    for (int64_t t = 0; t < batches; ++t) {
      int64_t oa = 0, ob = 0;
      for (int64_t d = 0; d < rank; ++d) {
        const int64_t ia = d - (rank - static_cast<int64_t>(batch_a.size()));
        const int64_t ib = d - (rank - static_cast<int64_t>(batch_b.size()));
        if (ia >= 0 && batch_a[ia] != 1) oa += idx[d] * sa[ia];
        if (ib >= 0 && batch_b[ib] != 1) ob += idx[d] * sb[ib];
      }
      sgemm(m, n, k, 1.0f, {pa + oa * m * k, k, false}, {pb + ob * k * n, n, false}, 0.0f,
            py + t * m * n, n, ctx);
      for (int64_t d = rank - 1; d >= 0; --d) {
        if (++idx[d] < batch[d]) break;
        idx[d] = 0;
      }
    }
    return Status::Ok();
  });
}

}  // namespace mconv::runtime::kernels
