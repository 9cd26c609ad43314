#include "runtime/kernels/kernel_util.h"

#include <limits>

#include "core/half.h"

namespace mconv::runtime::kernels {

Status require_input(KernelInputs inputs, size_t index, const char* what) {
  if (index >= inputs.size() || inputs[index] == nullptr)
    return Status::Error(std::string("missing required input ") + what);
  return Status::Ok();
}

Status require_dtype(const Tensor& t, DType dtype, const char* what) {
  if (t.dtype() != dtype)
    return Status::Error(std::string(what) + " is " + t.describe() + ", expected " +
                         std::string(dtype_name(dtype)));
  return Status::Ok();
}

Expected<int64_t> normalize_axis(int64_t axis, int64_t rank, const char* what) {
  if (axis < -rank || axis >= rank)
    return Status::Error(std::string(what) + " " + std::to_string(axis) +
                         " is out of range for rank " + std::to_string(rank));
  return axis < 0 ? axis + rank : axis;
}

Expected<std::vector<int64_t>> read_index_tensor(const Tensor& t, const char* what) {
  if (t.dtype() != DType::kI64 && t.dtype() != DType::kI32)
    return Status::Error(std::string(what) + " is " + t.describe() + ", expected i64 or i32");
  return t.to_i64();
}

int64_t dims_product(const std::vector<int64_t>& dims, size_t begin, size_t end) {
  int64_t n = 1;
  for (size_t i = begin; i < end && i < dims.size(); ++i) n *= dims[i];
  return n;
}

std::vector<int64_t> contiguous_strides(const std::vector<int64_t>& shape) {
  std::vector<int64_t> strides(shape.size(), 1);
  for (int i = static_cast<int>(shape.size()) - 2; i >= 0; --i)
    strides[i] = strides[i + 1] * shape[i + 1];
  return strides;
}

Tensor reshaped_copy(const Tensor& t, std::vector<int64_t> shape) {
  Tensor out = t;
  Status s = out.reshape(std::move(shape));
  (void)s;  // callers check element counts first
  return out;
}

Expected<std::vector<float>> float_values(const Tensor& t, const char* what) {
  if (!dtype_is_float(t.dtype()))
    return Status::Error(std::string(what) + " is " + t.describe() + ", expected a float type");
  if (t.dtype() == DType::kF32) {
    auto v = t.values<float>();
    return std::vector<float>(v.begin(), v.end());
  }
  return t.to_f32();
}

const Tensor* constant_input(const ir::Node& node, size_t index) {
  if (index >= node.inputs.size() || node.inputs[index] == nullptr) return nullptr;
  return node.inputs[index]->constant.get();
}

}  // namespace mconv::runtime::kernels
