// The single table mapping every IR op to the factory of its kernel.
#pragma once

#include "ir/op_type.h"
#include "runtime/kernel.h"

namespace mconv::runtime {

// Never null: the table covers every OpType (checked at compile time).
KernelFactory kernel_factory(ir::OpType op);

// The integer kernel of an op for quantized nodes (TFLite arithmetic on i8/u8 codes), or null
// when the op has none.
KernelFactory quantized_kernel_factory(ir::OpType op);

// True when the node reads or writes a quantized integer value (i8/u8 with QuantParams): the
// interpreter then runs its integer kernel instead of the float one.
bool is_quantized_node(const ir::Node& node);

}  // namespace mconv::runtime
