// Cast: converts to the DType in attribute "to" (an mconv::DType value). Float -> integer
// truncates toward zero and saturates to the target range (NaN -> 0), which keeps out-of-range
// values defined; everything else follows Tensor::cast (round-to-nearest for f16/bf16).
#include <cmath>
#include <limits>

#include "runtime/kernels/kernel_factories.h"
#include "runtime/kernels/kernel_util.h"

namespace mconv::runtime::kernels {
namespace {

template <typename T>
void saturate_from_floats(const std::vector<float>& v, Tensor& out) {
  T* dst = out.data<T>();
  constexpr double lo = static_cast<double>(std::numeric_limits<T>::lowest());
  constexpr double hi = static_cast<double>(std::numeric_limits<T>::max());
  for (size_t i = 0; i < v.size(); ++i) {
    const double t = std::trunc(static_cast<double>(v[i]));
    dst[i] = std::isnan(t) ? T(0)
             : t <= lo     ? std::numeric_limits<T>::lowest()
             : t >= hi     ? std::numeric_limits<T>::max()
                           : static_cast<T>(t);
  }
}

}  // namespace

KernelPtr create_cast_kernel(const ir::Node& node) {
  if (!node.attrs.has("to")) return Status::Error("missing attribute to");
  const int64_t to_value = node.attrs.get_int("to", 0);
  if (to_value <= 0 || to_value >= kDTypeCount)
    return Status::Error("attribute to=" + std::to_string(to_value) + " is not an mconv DType");
  const DType to = static_cast<DType>(to_value);
  return make_lambda_kernel(
      [to](KernelInputs in, std::vector<Tensor>& out, const ExecContext&) -> Status {
        MCONV_RETURN_IF_ERROR(require_input(in, 0, "input"));
        const Tensor& x = *in[0];
        if (x.dtype() == DType::kUndefined) return Status::Error("input has no dtype");
        if (!dtype_is_float(x.dtype()) || dtype_is_float(to) || to == DType::kBool) {
          out[0] = x.cast(to);
          return Status::Ok();
        }
        out[0] = Tensor(to, x.shape());
        const std::vector<float> v = x.to_f32();
        return dispatch_numeric(to, "to", [&](auto tag) {
          saturate_from_floats<decltype(tag)>(v, out[0]);
          return Status::Ok();
        });
      });
}

}  // namespace mconv::runtime::kernels
