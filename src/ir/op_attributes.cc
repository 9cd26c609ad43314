#include "ir/op_attributes.h"

namespace mconv::ir {

int64_t default_axis(OpType op) {
  // By the op's axis rule (every op has one, so a new op lands in a case).
  switch (op_info(op).axis_rule) {
    case AxisRule::kAxisAttr:
      return op == OpType::kSoftmax ? -1 : 0;  // Softmax: -1 since opset 13; Split: 0
    case AxisRule::kQuantAxis:
      return 1;
    case AxisRule::kReshape:
      return op == OpType::kFlatten ? 1 : 0;
    case AxisRule::kConcatAxis:
    case AxisRule::kGatherAxis:
    case AxisRule::kChannelLayout:
    case AxisRule::kElementwise:
    case AxisRule::kBroadcast:
    case AxisRule::kSliceAxes:
    case AxisRule::kReduceAxes:
    case AxisRule::kPermute:
    case AxisRule::kPadAxes:
    case AxisRule::kFixedAxes:
      return 0;
  }
  return 0;
}

int64_t axis_attribute(const Node& node) {
  return node.attrs.get_int("axis", default_axis(node.op));
}

}  // namespace mconv::ir
