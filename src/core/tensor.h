// A dense host tensor: dtype, static shape and little-endian bytes. Used for constant data in the
// IR, for runtime inputs/outputs and for .npy files. Copies are cheap to reason about (value
// semantics); large constants are shared through std::shared_ptr<const Tensor> in the IR.
#pragma once

#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <vector>

#include "core/dtype.h"
#include "core/status.h"

namespace mconv {

class Tensor {
 public:
  Tensor() = default;
  // Zero-filled tensor of the given type and shape.
  Tensor(DType dtype, std::vector<int64_t> shape);

  // Checked construction from raw bytes: byte count must equal elements * dtype size.
  static Expected<Tensor> FromBytes(DType dtype, std::vector<int64_t> shape,
                                    std::vector<uint8_t> bytes);
  template <typename T>
  static Tensor FromVector(DType dtype, std::vector<int64_t> shape, const std::vector<T>& values) {
    Tensor t(dtype, std::move(shape));
    // memcpy with the null data() of an empty vector is undefined even for 0 bytes.
    if (!t.bytes_.empty()) std::memcpy(t.bytes_.data(), values.data(), t.bytes_.size());
    return t;
  }

  DType dtype() const { return dtype_; }
  const std::vector<int64_t>& shape() const { return shape_; }
  int rank() const { return static_cast<int>(shape_.size()); }
  int64_t dim(int i) const { return shape_[i]; }
  int64_t element_count() const;
  size_t byte_size() const { return bytes_.size(); }

  uint8_t* raw() { return bytes_.data(); }
  const uint8_t* raw() const { return bytes_.data(); }
  std::vector<uint8_t>& bytes() { return bytes_; }
  const std::vector<uint8_t>& bytes() const { return bytes_; }

  template <typename T>
  T* data() { return reinterpret_cast<T*>(bytes_.data()); }
  template <typename T>
  const T* data() const { return reinterpret_cast<const T*>(bytes_.data()); }
  template <typename T>
  std::span<const T> values() const { return {data<T>(), static_cast<size_t>(element_count())}; }

  // Reinterprets the same bytes with another shape of equal element count.
  Status reshape(std::vector<int64_t> shape);

  // Converts numeric contents to float / int64 (any numeric dtype; f16/bf16 decoded).
  std::vector<float> to_f32() const;
  std::vector<int64_t> to_i64() const;
  // Returns a copy converted to another dtype (float<->int conversions truncate like C casts).
  Tensor cast(DType to) const;

  // "f32[1,3,224,224]"
  std::string describe() const;

 private:
  DType dtype_ = DType::kUndefined;
  std::vector<int64_t> shape_;
  std::vector<uint8_t> bytes_;
};

// Product of dims, or -1 when any dim is negative or the product overflows int64.
int64_t shape_element_count(const std::vector<int64_t>& shape);
std::string shape_to_string(const std::vector<int64_t>& shape);

}  // namespace mconv
