#include "core/dtype.h"

#include <array>

namespace mconv {
namespace {

struct DTypeInfo {
  DType type;          // the enum value this row describes (rows are in enum order)
  std::string_view name;  // short name for dumps
  size_t size;         // bytes per element
  bool is_float;       // floating-point type
};

constexpr std::array<DTypeInfo, kDTypeCount> kInfo = {{
    {DType::kUndefined, "undefined", 0, false},
    {DType::kF32, "f32", 4, true},
    {DType::kF16, "f16", 2, true},
    {DType::kBF16, "bf16", 2, true},
    {DType::kI8, "i8", 1, false},
    {DType::kU8, "u8", 1, false},
    {DType::kI16, "i16", 2, false},
    {DType::kI32, "i32", 4, false},
    {DType::kI64, "i64", 8, false},
    {DType::kBool, "bool", 1, false},
}};

constexpr bool table_in_enum_order() {
  for (size_t i = 0; i < kInfo.size(); ++i)
    if (static_cast<size_t>(kInfo[i].type) != i) return false;
  return true;
}
static_assert(table_in_enum_order(), "kInfo rows must follow the DType enum order");

const DTypeInfo& info(DType t) {
  auto i = static_cast<size_t>(t);
  return i < kInfo.size() ? kInfo[i] : kInfo[0];
}

}  // namespace

size_t dtype_size(DType t) { return info(t).size; }
std::string_view dtype_name(DType t) { return info(t).name; }
bool dtype_is_float(DType t) { return info(t).is_float; }
DType dtype_from_name(std::string_view name) {
  for (const auto& row : kInfo)
    if (row.name == name) return row.type;
  return DType::kUndefined;
}

}  // namespace mconv
