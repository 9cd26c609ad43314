// Small helpers shared by the kernels: argument checks, axis handling, shape arithmetic and
// dtype dispatch. Errors are plain messages; the interpreter adds the node name and op.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "core/status.h"
#include "core/tensor.h"
#include "ir/graph.h"
#include "runtime/kernel.h"

namespace mconv::runtime::kernels {

// "f32[1,3,224,224]"-style description used in messages.
inline std::string describe(const Tensor& t) {
  return t.describe();
}

// Fails unless input `index` is present.
Status require_input(KernelInputs inputs, size_t index, const char* what);
// Fails unless `t` has dtype `dtype`.
Status require_dtype(const Tensor& t, DType dtype, const char* what);
// Fails unless `t` is f32 (the interpreter computes in FP32).
inline Status require_f32(const Tensor& t, const char* what) {
  return require_dtype(t, DType::kF32, what);
}

// Maps a possibly negative axis into [0, rank); error when out of range.
Expected<int64_t> normalize_axis(int64_t axis, int64_t rank, const char* what = "axis");

// Reads an i64 or i32 tensor as int64 values (shape/index arguments).
Expected<std::vector<int64_t>> read_index_tensor(const Tensor& t, const char* what);

// Product of dims [begin, end).
int64_t dims_product(const std::vector<int64_t>& dims, size_t begin, size_t end);
inline int64_t dims_product(const std::vector<int64_t>& dims) {
  return dims_product(dims, 0, dims.size());
}

// Row-major strides in elements.
std::vector<int64_t> contiguous_strides(const std::vector<int64_t>& shape);

// A tensor with the same bytes as `t` and another shape of equal element count.
Tensor reshaped_copy(const Tensor& t, std::vector<int64_t> shape);

// The f32 contents of a tensor of any float dtype (weights may be stored as f16).
Expected<std::vector<float>> float_values(const Tensor& t, const char* what);

// The constant tensor behind node input `index`, or null when it is computed or absent.
const Tensor* constant_input(const ir::Node& node, size_t index);

// The DType whose elements are stored as C++ type T (interpreter element types only).
template <typename T>
constexpr DType dtype_of_element() {
  if constexpr (std::is_same_v<T, float>) return DType::kF32;
  if constexpr (std::is_same_v<T, int8_t>) return DType::kI8;
  if constexpr (std::is_same_v<T, uint8_t>) return DType::kU8;
  if constexpr (std::is_same_v<T, int16_t>) return DType::kI16;
  if constexpr (std::is_same_v<T, int32_t>) return DType::kI32;
  if constexpr (std::is_same_v<T, int64_t>) return DType::kI64;
  return DType::kUndefined;
}

// Calls fn(T{}) with T the one of Ts whose DType is `dtype` and returns its status; returns
// on_other() when `dtype` is none of them. Every dtype switch of the kernels is one of these.
template <typename... Ts, typename Fn, typename OnOther>
Status dispatch_types(DType dtype, Fn&& fn, OnOther&& on_other) {
  Status result;
  const bool matched = ((dtype == dtype_of_element<Ts>() && (result = fn(Ts{}), true)) || ...);
  return matched ? result : on_other();
}

inline Status unsupported_dtype(const char* what, DType dtype) {
  return Status::Error(std::string(what) + ": unsupported dtype " + std::string(dtype_name(dtype)));
}

// Calls fn(T{}) with T the C++ type of `dtype`, for the dtypes listed; error otherwise.
template <typename Fn>
Status dispatch_f32_i32_i64(DType dtype, const char* what, Fn&& fn) {
  return dispatch_types<float, int32_t, int64_t>(dtype, fn,
                                                 [&] { return unsupported_dtype(what, dtype); });
}

// Calls fn(T{}) for every numeric dtype the interpreter stores (f32 and the integer types).
template <typename Fn>
Status dispatch_numeric(DType dtype, const char* what, Fn&& fn) {
  return dispatch_types<float, int8_t, uint8_t, int16_t, int32_t, int64_t>(
      dtype, fn, [&] { return unsupported_dtype(what, dtype); });
}

// A kernel object that reads its constants once in prepare(node) (weights packed, parameters
// checked): built from `args`, prepared, and returned as a Kernel; prepare's error otherwise.
template <typename K, typename... Args>
Expected<std::unique_ptr<Kernel>> make_prepared_kernel(const ir::Node& node, Args&&... args) {
  auto kernel = std::make_unique<K>(std::forward<Args>(args)...);
  MCONV_RETURN_IF_ERROR(kernel->prepare(node));
  return std::unique_ptr<Kernel>(std::move(kernel));
}

// A kernel whose whole behaviour is one function of (node attributes captured at creation,
// inputs, outputs). Keeps the many simple ops to a lambda each.
template <typename Fn>
class LambdaKernel final : public Kernel {
 public:
  explicit LambdaKernel(Fn fn) : fn_(std::move(fn)) {}
  Status run(KernelInputs inputs, std::vector<Tensor>& outputs, const ExecContext& ctx) override {
    return fn_(inputs, outputs, ctx);
  }

 private:
  Fn fn_;  // the computation, with its captured attributes
};

template <typename Fn>
Expected<std::unique_ptr<Kernel>> make_lambda_kernel(Fn fn) {
  return std::unique_ptr<Kernel>(std::make_unique<LambdaKernel<Fn>>(std::move(fn)));
}

}  // namespace mconv::runtime::kernels
