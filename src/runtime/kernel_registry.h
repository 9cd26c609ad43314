// The single table mapping every IR op to the factory of its kernel.
#pragma once

#include "ir/op_type.h"
#include "runtime/kernel.h"

namespace mconv::runtime {

// Never null: the table covers every OpType (checked at compile time).
KernelFactory kernel_factory(ir::OpType op);

}  // namespace mconv::runtime
