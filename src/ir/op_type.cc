#include "ir/op_type.h"

namespace mconv::ir {

bool op_from_name(std::string_view name, OpType* out) {
  for (const auto& row : kOpTable) {
    if (row.name == name) {
      *out = row.type;
      return true;
    }
  }
  return false;
}

}  // namespace mconv::ir
