// IR node -> ONNX NodeProto(s) for a target opset (13..18). One rule per IR op (checked against
// kOpTypeCount): the ONNX attributes the op may carry, plus a converter where the canonical IR
// form differs from the target opset's (ReduceMean axes at 18, HardSwish before 14, ...).
#pragma once

#include <string>
#include <unordered_set>

#include "core/status.h"
#include "ir/graph.h"

namespace onnx {
class GraphProto;
class NodeProto;
}  // namespace onnx

namespace mconv::onnx {

struct ExportContext {
  int opset = 17;                         // target default-domain opset
  ::onnx::GraphProto* graph = nullptr;    // graph being written
  std::unordered_set<std::string> names;  // value names taken (IR names + generated ones)

  // A value name not used yet, reserved on return.
  std::string fresh_name(const std::string& base);
  // Adds an initializer holding `data` under a fresh name derived from `base`; returns the name.
  Expected<std::string> add_initializer(const std::string& base, const Tensor& data);
};

// "node 'X' (Op): message".
Status node_error(const ir::Node& node, const std::string& message);

// Appends the NodeProto(s) computing `node` to ctx.graph.
Status export_node(ExportContext& ctx, const ir::Node& node);

}  // namespace mconv::onnx
