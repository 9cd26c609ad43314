// Clip: y = min(max(x, min), max) with min/max as optional scalar inputs (opset 11+), falling
// back to the opset-6 attributes when a graph still carries them. Bounds default to the type's
// full range.
#include <algorithm>
#include <limits>

#include "runtime/kernels/kernel_factories.h"
#include "runtime/kernels/unary.h"

namespace mconv::runtime::kernels {
namespace {

template <typename T>
Expected<T> read_bound(const Tensor* t, const char* what, T fallback) {
  if (!t) return fallback;
  if (t->element_count() != 1)
    return Status::Error(std::string(what) + " must be a scalar, got " + t->describe());
  if (t->dtype() != dtype_of_element<T>())
    return Status::Error(std::string(what) + " is " + t->describe() + ", expected the dtype of X");
  return t->data<T>()[0];
}

}  // namespace

KernelPtr create_clip_kernel(const ir::Node& node) {
  // Opset < 11 form: bounds as attributes (only meaningful for floats).
  const float attr_min = node.attrs.get_float("min", -std::numeric_limits<float>::infinity());
  const float attr_max = node.attrs.get_float("max", std::numeric_limits<float>::infinity());
  return make_lambda_kernel([=](KernelInputs in, std::vector<Tensor>& out,
                                const ExecContext&) -> Status {
    MCONV_RETURN_IF_ERROR(require_input(in, 0, "input"));
    const Tensor& x = *in[0];
    const Tensor* min_t = in.size() > 1 ? in[1] : nullptr;
    const Tensor* max_t = in.size() > 2 ? in[2] : nullptr;
    return dispatch_f32_i32_i64(x.dtype(), "input", [&](auto tag) -> Status {
      using T = decltype(tag);
      T lo_default = std::numeric_limits<T>::lowest(), hi_default = std::numeric_limits<T>::max();
      if constexpr (std::is_same_v<T, float>) {
        lo_default = attr_min;
        hi_default = attr_max;
      }
      MCONV_ASSIGN_OR_RETURN(T lo, read_bound<T>(min_t, "min", lo_default));
      MCONV_ASSIGN_OR_RETURN(T hi, read_bound<T>(max_t, "max", hi_default));
      // ONNX: when min > max every element becomes max; min-then-max ordering gives that.
      map_elements<T>(x, out[0], [lo, hi](T v) { return std::min(std::max(v, lo), hi); });
      return Status::Ok();
    });
  });
}

}  // namespace mconv::runtime::kernels
