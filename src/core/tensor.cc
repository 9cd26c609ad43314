#include "core/tensor.h"

#include <cmath>
#include <limits>
#include <type_traits>

#include "core/half.h"

namespace mconv {

int64_t shape_element_count(const std::vector<int64_t>& shape) {
  int64_t n = 1;
  for (int64_t d : shape) {
    if (d < 0) return -1;
    if (d != 0 && n > std::numeric_limits<int64_t>::max() / d) return -1;
    n *= d;
  }
  return n;
}

std::string shape_to_string(const std::vector<int64_t>& shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) {
    if (i) s += ",";
    s += std::to_string(shape[i]);
  }
  return s + "]";
}

Tensor::Tensor(DType dtype, std::vector<int64_t> shape)
    : dtype_(dtype), shape_(std::move(shape)) {
  int64_t n = shape_element_count(shape_);
  bytes_.assign(static_cast<size_t>(n < 0 ? 0 : n) * dtype_size(dtype_), 0);
}

Expected<Tensor> Tensor::FromBytes(DType dtype, std::vector<int64_t> shape,
                                   std::vector<uint8_t> bytes) {
  int64_t n = shape_element_count(shape);
  if (n < 0) return Status::Error("invalid tensor shape " + shape_to_string(shape));
  if (static_cast<uint64_t>(n) * dtype_size(dtype) != bytes.size())
    return Status::Error("tensor data has " + std::to_string(bytes.size()) + " bytes, shape " +
                         shape_to_string(shape) + " of " + std::string(dtype_name(dtype)) +
                         " needs " + std::to_string(n * dtype_size(dtype)));
  Tensor t;
  t.dtype_ = dtype;
  t.shape_ = std::move(shape);
  t.bytes_ = std::move(bytes);
  return t;
}

int64_t Tensor::element_count() const { return shape_element_count(shape_); }

Status Tensor::reshape(std::vector<int64_t> shape) {
  if (shape_element_count(shape) != element_count())
    return Status::Error("cannot reshape " + shape_to_string(shape_) + " to " +
                         shape_to_string(shape));
  shape_ = std::move(shape);
  return Status::Ok();
}

namespace {
// Float -> integer like a C cast for values in range; NaN becomes 0 and out-of-range values
// saturate (a plain static_cast of those is undefined behaviour, and hostile models contain them).
template <typename T>
T float_to_int(double x) {
  if (std::isnan(x)) return 0;
  if (x <= static_cast<double>(std::numeric_limits<T>::min())) return std::numeric_limits<T>::min();
  if (x >= static_cast<double>(std::numeric_limits<T>::max())) return std::numeric_limits<T>::max();
  return static_cast<T>(x);
}

template <typename Out, typename Fn>
std::vector<Out> convert_all(const Tensor& t, Fn&& cast) {
  const int64_t n = t.element_count();
  std::vector<Out> out(static_cast<size_t>(n));
  const uint8_t* p = t.raw();
  for (int64_t i = 0; i < n; ++i) {
    switch (t.dtype()) {
      case DType::kF32: out[i] = cast(reinterpret_cast<const float*>(p)[i]); break;
      case DType::kF16: out[i] = cast(half_to_float(reinterpret_cast<const uint16_t*>(p)[i])); break;
      case DType::kBF16:
        out[i] = cast(bfloat16_to_float(reinterpret_cast<const uint16_t*>(p)[i]));
        break;
      case DType::kI8: out[i] = cast(reinterpret_cast<const int8_t*>(p)[i]); break;
      case DType::kU8: out[i] = cast(p[i]); break;
      case DType::kBool: out[i] = cast(p[i] ? 1 : 0); break;
      case DType::kI16: out[i] = cast(reinterpret_cast<const int16_t*>(p)[i]); break;
      case DType::kI32: out[i] = cast(reinterpret_cast<const int32_t*>(p)[i]); break;
      case DType::kI64: out[i] = cast(reinterpret_cast<const int64_t*>(p)[i]); break;
      case DType::kUndefined: out[i] = Out{}; break;
    }
  }
  return out;
}
}  // namespace

std::vector<float> Tensor::to_f32() const {
  return convert_all<float>(*this, [](auto v) { return static_cast<float>(v); });
}

std::vector<int64_t> Tensor::to_i64() const {
  return convert_all<int64_t>(*this, [](auto v) {
    if constexpr (std::is_floating_point_v<decltype(v)>) {
      return float_to_int<int64_t>(v);
    } else {
      return static_cast<int64_t>(v);
    }
  });
}

Tensor Tensor::cast(DType to) const {
  Tensor out(to, shape_);
  const int64_t n = element_count();
  if (to == dtype_) return *this;
  if (dtype_is_float(to) || dtype_is_float(dtype_)) {
    std::vector<float> v = to_f32();
    for (int64_t i = 0; i < n; ++i) {
      float x = v[i];
      switch (to) {
        case DType::kF32: out.data<float>()[i] = x; break;
        case DType::kF16: out.data<uint16_t>()[i] = float_to_half(x); break;
        case DType::kBF16: out.data<uint16_t>()[i] = float_to_bfloat16(x); break;
        case DType::kI8: out.data<int8_t>()[i] = float_to_int<int8_t>(x); break;
        case DType::kU8: out.data<uint8_t>()[i] = float_to_int<uint8_t>(x); break;
        case DType::kBool: out.data<uint8_t>()[i] = x != 0.0f; break;
        case DType::kI16: out.data<int16_t>()[i] = float_to_int<int16_t>(x); break;
        case DType::kI32: out.data<int32_t>()[i] = float_to_int<int32_t>(x); break;
        case DType::kI64: out.data<int64_t>()[i] = float_to_int<int64_t>(x); break;
        case DType::kUndefined: break;
      }
    }
    return out;
  }
  std::vector<int64_t> v = to_i64();
  for (int64_t i = 0; i < n; ++i) {
    int64_t x = v[i];
    switch (to) {
      case DType::kI8: out.data<int8_t>()[i] = static_cast<int8_t>(x); break;
      case DType::kU8: out.data<uint8_t>()[i] = static_cast<uint8_t>(x); break;
      case DType::kBool: out.data<uint8_t>()[i] = x != 0; break;
      case DType::kI16: out.data<int16_t>()[i] = static_cast<int16_t>(x); break;
      case DType::kI32: out.data<int32_t>()[i] = static_cast<int32_t>(x); break;
      case DType::kI64: out.data<int64_t>()[i] = x; break;
      default: break;
    }
  }
  return out;
}

std::string Tensor::describe() const {
  return std::string(dtype_name(dtype_)) + shape_to_string(shape_);
}

}  // namespace mconv
