// State shared while one ONNX graph is turned into an ir::Graph, and the per-node helper every op
// converter works through. Converters see ONNX inputs already resolved to IR values, read
// attributes with type checks, and emit IR nodes whose outputs carry the ONNX names.
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "core/import_limits.h"
#include "core/status.h"
#include "ir/graph.h"
#include "onnx/onnx_node_attributes.h"

namespace onnx {
class NodeProto;
class TypeProto;
}  // namespace onnx

namespace mconv::onnx {

struct ImportContext {
  std::string source;          // file name (or "<memory>") that prefixes every error
  std::string base_dir;        // directory holding external data; "" refuses external data
  int64_t opset = 0;           // default-domain opset of the file
  ImportLimits limits;         // caps on shapes, sizes and graph size (core/import_limits.h)
  ir::Graph* graph = nullptr;  // graph being built
  std::unordered_set<std::string> file_names;  // IR names of every value the file defines
  std::unordered_set<std::string> consumed;    // names read by nodes or outputs
  std::unordered_map<std::string, const ::onnx::TypeProto*> declared;  // value_info/input/output
  std::unordered_map<std::string, ir::Value*> values;  // ONNX name -> defined IR value

  // A value name that neither the file nor the graph uses yet (for values the importer adds).
  std::string fresh_name(const std::string& base) const;
  // Creates the IR value for ONNX name `name`, typed from the file's declarations when present.
  Expected<ir::Value*> define_value(const std::string& name);
};

// Reads a tensor type from the file: element type and (when present) shape. Symbolic dims keep
// their dim_param. Fails for non-tensor types, unsupported element types and negative dims.
Status read_tensor_type(const ::onnx::TypeProto& type, DType* dtype, ir::Shape* shape,
                        bool* has_shape);

// Rank of `value` when the importer can tell before shape inference (declared shape, constant,
// or an op whose output rank follows from its input), else -1.
int known_rank(const ir::Value* value);

class NodeImporter {
 public:
  NodeImporter(ImportContext& ctx, const ::onnx::NodeProto& proto, int index);

  // Error found while resolving the node's inputs or reading its attribute list, if any.
  const Status& status() const { return status_; }
  const ::onnx::NodeProto& proto() const { return proto_; }
  int64_t opset() const { return ctx_.opset; }
  ImportContext& context() { return ctx_; }

  // "file: node 'name' (Op): message" (node '#index' when the file leaves the name empty).
  Status error(const std::string& message) const;
  Status wrap(const Status& status) const { return status.ok() ? status : error(status.message()); }

  // Validates input/output counts; empty names count as present slots (optional inputs).
  Status check_arity(int min_inputs, int max_inputs, int min_outputs, int max_outputs) const;
  // Fails when an ONNX output at index >= first is read by anyone (mconv drops those outputs).
  Status drop_outputs_from(int first) const;

  int input_count() const;
  // IR value of input `i`; nullptr for an omitted (empty-named or missing) optional input.
  ir::Value* input(int i) const {
    return i < static_cast<int>(inputs_.size()) ? inputs_[i] : nullptr;
  }
  // Integer contents of input `i`, which must be a constant; `what` names it in errors.
  Expected<std::vector<int64_t>> constant_ints(int i, const std::string& what) const;

  // Attribute reads with node context in errors; absent attributes keep *out unchanged.
  template <typename T>
  Status attr(const std::string& name, T* out) const {
    return wrap(attrs_.read(name, out));
  }
  bool has_attr(const std::string& name) const { return attrs_.has(name); }

  // Adds a constant the node needs as an input (e.g. axes moved from an attribute).
  ir::Value* add_constant(const std::string& suffix, Tensor data);
  // Adds an intermediate value for multi-node expansions.
  ir::Value* add_temp(const std::string& suffix);

  // Emits an IR node computing ONNX outputs [0, output_count) of this node.
  Expected<ir::Node*> emit(ir::OpType op, std::vector<ir::Value*> inputs, ir::Attributes attrs,
                           int output_count = 1);
  // Emits a helper node of an expansion writing to `outputs` (temps); named "<node>_<suffix>".
  Expected<ir::Node*> emit_helper(ir::OpType op, const std::string& suffix,
                                  std::vector<ir::Value*> inputs, ir::Attributes attrs,
                                  std::vector<ir::Value*> outputs);
  // Defines ONNX output `i` as a constant instead of a computed value (Constant, folding).
  Status define_constant_output(int i, Tensor data);
  // The IR value for ONNX output `i` (created on first use, typed from declarations).
  Expected<ir::Value*> output(int i);

 private:
  Expected<ir::Node*> add_node(ir::OpType op, const std::string& name,
                               std::vector<ir::Value*> inputs, ir::Attributes attrs,
                               std::vector<ir::Value*> outputs);

  ImportContext& ctx_;
  const ::onnx::NodeProto& proto_;
  int index_;                       // position in the file, for unnamed nodes
  NodeAttributes attrs_;            // typed attribute access
  std::vector<ir::Value*> inputs_;  // resolved inputs, nullptr for omitted ones
  Status status_;                   // first error met while resolving inputs/attributes
};

}  // namespace mconv::onnx
