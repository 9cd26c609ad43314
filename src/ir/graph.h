// The in-memory graph every part of mconv speaks: Values (operands) and Nodes (operators) in a
// flat list, after ncnn/pnnx and XNNPACK. Importers build it, passes rewrite it in place,
// exporters and the reference interpreter read it.
//
// Conventions that hold everywhere:
//  - A Value has at most one producer; graph inputs and constants have none.
//  - Conv weights are always [out_channels, in_channels/group, kH, kW] (OIHW) whatever the
//    activation layout; Node::layout says how activations are laid out.
//  - Node order is topological after topological_sort(); passes that add nodes call it again.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/status.h"
#include "core/tensor.h"
#include "ir/attributes.h"
#include "ir/model_metadata.h"
#include "ir/op_type.h"

namespace mconv::ir {

// One dimension: a known size, or unknown (size < 0) with an optional symbolic name ("batch").
struct Dim {
  int64_t size = -1;   // >= 0 when known
  std::string symbol;  // name of an unknown dim shared across values, may be empty
  bool known() const { return size >= 0; }
  bool operator==(const Dim&) const = default;
};
using Shape = std::vector<Dim>;

Shape make_shape(const std::vector<int64_t>& dims);  // negative entries become unknown dims
bool shape_is_static(const Shape& shape);
std::vector<int64_t> static_dims(const Shape& shape);  // unknown dims become -1
std::string shape_string(const Shape& shape);          // "[batch,3,224,224]", unknown as "?"

// Activation layout of a layout-sensitive node.
enum class Layout : uint8_t {
  kNone,  // the op does not depend on layout
  kNCHW,  // channels at axis 1 (ONNX, PyTorch)
  kNHWC,  // channels last (TFLite)
};
std::string_view layout_name(Layout layout);

// Affine quantization: real = scale * (q - zero_point).
struct QuantParams {
  std::vector<float> scale;         // one per tensor, or one per channel along `axis`
  std::vector<int64_t> zero_point;  // same count as scale
  int axis = -1;                    // -1 = per tensor; else the per-channel axis
  bool per_axis() const { return axis >= 0; }
};

struct Node;

struct Value {
  std::string name;                        // unique within the graph
  DType dtype = DType::kUndefined;         // element type
  Shape shape;                             // dims; meaningful only when has_shape
  bool has_shape = false;                  // rank (and the known dims) are known
  std::shared_ptr<const Tensor> constant;  // constant data, or null for computed values
  std::optional<QuantParams> quant;        // quantization of an integer tensor, if any
  Node* producer = nullptr;                // node computing it; null for inputs and constants
  std::vector<Node*> consumers;            // nodes reading it (a node may appear twice)

  bool is_constant() const { return constant != nullptr; }
};

struct Node {
  OpType op;                      // what it computes
  std::string name;               // unique within the graph, from the source when it had one
  std::vector<Value*> inputs;     // in op order; nullptr for an omitted optional input
  std::vector<Value*> outputs;    // in op order
  Attributes attrs;               // ONNX-named attributes
  Layout layout = Layout::kNone;  // activation layout for layout-sensitive ops
};

class Graph {
 public:
  Graph() = default;
  Graph(const Graph&) = delete;
  Graph& operator=(const Graph&) = delete;
  Graph(Graph&&) = default;
  Graph& operator=(Graph&&) = default;

  // Deep copy (constants are shared, they are immutable).
  Graph clone() const;

  std::string name;             // model/graph name
  std::vector<Value*> inputs;   // graph inputs in order (never constants)
  std::vector<Value*> outputs;  // graph outputs in order

  // Creates a value; `name` is made unique if already taken.
  Value* add_value(const std::string& name, DType dtype, const Shape& shape, bool has_shape = true);
  Value* add_constant(const std::string& name, Tensor data);
  // Creates a node and links producers/consumers. Output values must not have a producer yet.
  Node* add_node(OpType op, const std::string& name, std::vector<Value*> inputs,
                 std::vector<Value*> outputs);

  // Rewiring helpers used by passes. They keep producer/consumer links consistent.
  void set_input(Node* node, size_t index, Value* value);
  void replace_all_uses(Value* from, Value* to);  // also replaces graph outputs
  void remove_node(Node* node);                   // unlinks; outputs lose their producer
  // Drops nodes whose outputs nobody uses and values nobody references. Returns nodes removed.
  int remove_dead();

  // Orders nodes so producers come first; error naming a node on a cycle if there is one.
  Status topological_sort();

  // Renames (made unique like add_value/add_node); returns the name given.
  std::string rename_value(Value* value, const std::string& name);
  std::string rename_node(Node* node, const std::string& name);
  Value* find_value(const std::string& name) const;
  Node* find_node(const std::string& name) const;
  std::string unique_value_name(const std::string& base) const;
  std::string unique_node_name(const std::string& base) const;

  const std::vector<std::unique_ptr<Node>>& nodes() const { return nodes_; }
  const std::vector<std::unique_ptr<Value>>& values() const { return values_; }

  // Sum of element counts of float/int constants consumed by nodes (the model's parameters).
  int64_t parameter_count() const;

 private:
  std::vector<std::unique_ptr<Node>> nodes_;    // topological order after topological_sort()
  std::vector<std::unique_ptr<Value>> values_;  // creation order
  std::unordered_map<std::string, Value*> value_by_name_;  // index over values_
  std::unordered_map<std::string, Node*> node_by_name_;    // index over nodes_
};

// A graph plus what the file around it said.
struct Model {
  Graph graph;                // the computation
  int64_t source_opset = 0;   // ONNX opset of the source file, 0 when not ONNX
  std::string source_format;  // "onnx", "tflite", "zoo", ...
  std::string producer;       // producer name recorded in the source, if any
  ModelMetadata metadata;     // how to use it (labels, preprocessing), as the file says

  // A deep copy (the graph cloned, the file facts and metadata copied): every variant is
  // converted from its own copy of the source, and must carry the source's labels and
  // preprocessing like a model re-read from the file would. A Model is move-only (the Graph
  // owns its values), so this is the one way to copy it.
  Model clone() const;
};

}  // namespace mconv::ir
