// Shape: the input's dims as a 1-D i64 tensor, optionally sliced by the opset-15 start/end
// attributes (negative values count from the back, then clamped to [0, rank]).
#include <algorithm>

#include "runtime/kernels/kernel_factories.h"
#include "runtime/kernels/kernel_util.h"

namespace mconv::runtime::kernels {

KernelPtr create_shape_kernel(const ir::Node& node) {
  const int64_t start_attr = node.attrs.get_int("start", 0);
  const bool has_end = node.attrs.has("end");
  const int64_t end_attr = node.attrs.get_int("end", 0);
  return make_lambda_kernel([=](KernelInputs in, std::vector<Tensor>& out,
                                const ExecContext&) -> Status {
    MCONV_RETURN_IF_ERROR(require_input(in, 0, "data"));
    const int64_t rank = in[0]->rank();
    auto clamp_index = [rank](int64_t i) {
      return std::clamp(i < 0 ? i + rank : i, int64_t{0}, rank);
    };
    const int64_t start = clamp_index(start_attr);
    const int64_t end = has_end ? clamp_index(end_attr) : rank;
    std::vector<int64_t> dims;
    for (int64_t i = start; i < end; ++i) dims.push_back(in[0]->dim(static_cast<int>(i)));
    out[0] = Tensor::FromVector<int64_t>(DType::kI64, {static_cast<int64_t>(dims.size())}, dims);
    return Status::Ok();
  });
}

}  // namespace mconv::runtime::kernels
