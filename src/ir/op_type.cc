#include "ir/op_type.h"

#include <array>

namespace mconv::ir {
namespace {

constexpr std::array<OpInfo, kOpTypeCount> kOps = {{
#define MCONV_IR_OP_ROW(name, min_in, max_in, outs, layout) \
  {OpType::k##name, #name, min_in, max_in, outs, layout},
    MCONV_IR_OPS(MCONV_IR_OP_ROW)
#undef MCONV_IR_OP_ROW
}};

}  // namespace

const OpInfo& op_info(OpType op) { return kOps[static_cast<size_t>(op)]; }
std::string_view op_name(OpType op) { return op_info(op).name; }

bool op_from_name(std::string_view name, OpType* out) {
  for (const auto& row : kOps) {
    if (row.name == name) {
      *out = row.type;
      return true;
    }
  }
  return false;
}

}  // namespace mconv::ir
