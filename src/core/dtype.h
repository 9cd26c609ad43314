// Element types shared by the IR, the runtimes and the file formats.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace mconv {

enum class DType : uint8_t {
  kUndefined = 0,
  kF32,
  kF16,
  kBF16,
  kI8,
  kU8,
  kI16,
  kI32,
  kI64,
  kBool,
};
inline constexpr int kDTypeCount = 10;

// Bytes per element (0 for kUndefined).
size_t dtype_size(DType t);
// Short lowercase name used in dumps and reports: "f32", "i8", ...
std::string_view dtype_name(DType t);
// Inverse of dtype_name; kUndefined when unknown.
DType dtype_from_name(std::string_view name);
bool dtype_is_float(DType t);

}  // namespace mconv
