// ONNX ModelProto -> OpGraph: the file's nodes as ONNX Runtime partitions them. Value types and
// shapes come from the file's own value_info plus libonnx shape inference on a copy (when libonnx
// knows the opset); Constant nodes become constant tensors, as ORT folds them into initializers
// before any execution provider sees the graph.
#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/stubs/logging.h>

#include <climits>
#include <exception>
#include <unordered_map>

#include "delegates/read_model_ops.h"
#include "onnx/defs/schema.h"
#include "onnx/onnx_pb.h"
#include "onnx/onnx_tensor.h"
#include "onnx/shape_inference/implementation.h"

namespace mconv::delegates {
namespace {

ElemType elem_type(int onnx_type) {
  switch (onnx_type) {
    case ::onnx::TensorProto_DataType_FLOAT:
      return ElemType::kF32;
    case ::onnx::TensorProto_DataType_FLOAT16:
      return ElemType::kF16;
    case ::onnx::TensorProto_DataType_INT8:
      return ElemType::kI8;
    case ::onnx::TensorProto_DataType_UINT8:
      return ElemType::kU8;
    case ::onnx::TensorProto_DataType_INT16:
      return ElemType::kI16;
    case ::onnx::TensorProto_DataType_INT32:
      return ElemType::kI32;
    case ::onnx::TensorProto_DataType_INT64:
      return ElemType::kI64;
    case ::onnx::TensorProto_DataType_BOOL:
      return ElemType::kBool;
    default:
      return ElemType::kOther;
  }
}

void set_type(const ::onnx::TypeProto& type, TensorInfo& t) {
  if (!type.has_tensor_type()) return;
  const auto& tt = type.tensor_type();
  if (tt.elem_type() != 0) t.type = elem_type(tt.elem_type());
  if (!tt.has_shape()) return;
  t.has_shape = true;
  t.dims.clear();
  for (const auto& d : tt.shape().dim())
    t.dims.push_back(d.has_dim_value() && d.dim_value() >= 0 ? d.dim_value() : -1);
}

// Small integer/float constants (axes, shapes, pads, clip bounds) for the rules.
void set_constant(const ::onnx::TensorProto& proto, TensorInfo& t) {
  t.is_constant = true;
  t.type = elem_type(proto.data_type());
  t.has_shape = true;
  t.dims.assign(proto.dims().begin(), proto.dims().end());
  int64_t count = 1;
  for (int64_t d : t.dims) count *= d;
  if (count > 64 || proto.data_location() == ::onnx::TensorProto_DataLocation_EXTERNAL) return;
  auto tensor = onnx::decode_tensor(proto, "");
  if (!tensor.ok()) return;
  if (t.type == ElemType::kI32 || t.type == ElemType::kI64) t.ints = tensor->to_i64();
  if (t.type == ElemType::kF32 || t.type == ElemType::kF16) t.floats = tensor->to_f32();
}

int64_t default_opset(const ::onnx::ModelProto& model) {
  for (const auto& entry : model.opset_import())
    if (entry.domain().empty() || entry.domain() == "ai.onnx") return entry.version();
  return 0;
}

}  // namespace

Expected<OpGraph> read_onnx_ops(const std::vector<uint8_t>& bytes, const std::string& source) {
  if (bytes.empty() || bytes.size() > static_cast<size_t>(INT_MAX))
    return Status::Error(source + ": empty or over 2 GiB, not an ONNX model");
  ::onnx::ModelProto model;
  {
    google::protobuf::LogSilencer silence;
    google::protobuf::io::CodedInputStream stream(bytes.data(), static_cast<int>(bytes.size()));
    stream.SetTotalBytesLimit(INT_MAX);
    if (!model.ParseFromCodedStream(&stream) || !stream.ConsumedEntireMessage())
      return Status::Error(source + ": not an ONNX protobuf");
  }
  const int64_t opset = default_opset(model);
  // Shape inference fills value_info for every intermediate value; libonnx throws on models it
  // cannot infer, in which case the file's own value_info is all there is.
  const int64_t libonnx_max = ::onnx::OpSchemaRegistry::DomainToVersionRange::Instance()
                                  .Map()
                                  .at(::onnx::ONNX_DOMAIN)
                                  .second;
  if (opset > 0 && opset <= libonnx_max) {
    try {
      ::onnx::ModelProto inferred = model;
      ::onnx::shape_inference::InferShapes(inferred, ::onnx::OpSchemaRegistry::Instance());
      model = std::move(inferred);
    } catch (const std::exception&) {
    }
  }
  const auto& g = model.graph();
  OpGraph graph;
  graph.format = "onnx";
  std::unordered_map<std::string, int> index;
  auto tensor = [&](const std::string& name) -> int {
    if (name.empty()) return -1;
    auto [it, added] = index.emplace(name, static_cast<int>(graph.tensors.size()));
    if (added) {
      graph.tensors.emplace_back();
      graph.tensors.back().name = name;
    }
    return it->second;
  };
  for (const auto& init : g.initializer()) set_constant(init, graph.tensors[tensor(init.name())]);
  for (const auto& vi : g.input()) {
    const int t = tensor(vi.name());
    if (!graph.tensors[t].is_constant) {
      set_type(vi.type(), graph.tensors[t]);
      graph.inputs.push_back(t);
    }
  }
  for (const auto& vi : g.value_info()) set_type(vi.type(), graph.tensors[tensor(vi.name())]);
  for (const auto& vi : g.output()) {
    const int t = tensor(vi.name());
    set_type(vi.type(), graph.tensors[t]);
    graph.outputs.push_back(t);
  }
  for (int i = 0; i < g.node_size(); ++i) {
    const auto& n = g.node(i);
    if (n.op_type() == "Constant" && (n.domain().empty() || n.domain() == "ai.onnx") &&
        n.output_size() == 1) {
      TensorInfo& t = graph.tensors[tensor(n.output(0))];
      for (const auto& a : n.attribute())
        if (a.name() == "value" && a.has_t()) set_constant(a.t(), t);
      t.is_constant = true;
      continue;
    }
    // ORT's constant folding runs before partitioning: a node reading only constants (torch's
    // Identity over shared weights, shape arithmetic) never reaches an execution provider.
    bool all_constant = n.input_size() > 0;
    for (const auto& in : n.input())
      if (!in.empty() && !graph.tensors[tensor(in)].is_constant) all_constant = false;
    if (all_constant && n.domain().empty() && n.op_type() != "QuantizeLinear" &&
        n.op_type() != "DequantizeLinear") {
      const TensorInfo source_info = graph.tensors[tensor(n.input(0))];
      for (const auto& out : n.output()) {
        TensorInfo& t = graph.tensors[tensor(out)];
        t.is_constant = true;
        if (n.op_type() == "Identity") {
          t.type = source_info.type;
          t.dims = source_info.dims;
          t.has_shape = source_info.has_shape;
          t.ints = source_info.ints;
          t.floats = source_info.floats;
        }
      }
      continue;
    }
    OpNode node;
    node.name = n.name().empty() ? n.op_type() + "_" + std::to_string(i) : n.name();
    node.op = (n.domain().empty() || n.domain() == "ai.onnx") ? n.op_type()
                                                              : n.domain() + ":" + n.op_type();
    node.version = static_cast<int>(opset);
    for (const auto& in : n.input()) node.inputs.push_back(tensor(in));
    for (const auto& out : n.output()) node.outputs.push_back(tensor(out));
    for (const auto& a : n.attribute()) {
      switch (a.type()) {
        case ::onnx::AttributeProto_AttributeType_INT:
          node.ints[a.name()] = a.i();
          break;
        case ::onnx::AttributeProto_AttributeType_FLOAT:
          node.floats[a.name()] = a.f();
          break;
        case ::onnx::AttributeProto_AttributeType_STRING:
          node.strings[a.name()] = a.s();
          break;
        case ::onnx::AttributeProto_AttributeType_INTS:
          node.int_lists[a.name()].assign(a.ints().begin(), a.ints().end());
          break;
        default:
          break;
      }
    }
    graph.nodes.push_back(std::move(node));
  }
  return graph;
}

}  // namespace mconv::delegates
