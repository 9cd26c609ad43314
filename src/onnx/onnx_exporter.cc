// Top level of the ONNX exporter: model header (IR version matching the opset), graph inputs,
// initializers (raw_data), nodes in dependency order, outputs and value_info for every typed
// intermediate value.
#include "onnx/onnx_exporter.h"

#include <climits>
#include <unordered_map>
#include <unordered_set>

#include "core/file_io.h"
#include "onnx/onnx_export_ops.h"
#include "onnx/onnx_metadata.h"
#include "onnx/onnx_pb.h"
#include "onnx/onnx_tensor.h"
#include "onnx/onnx_types.h"

namespace mconv::onnx {
namespace {

constexpr int kMinExportOpset = 13;
constexpr int kMaxExportOpset = 18;

// ONNX IR version released together with each opset (onnx/docs/Versioning.md).
int64_t ir_version_for_opset(int opset) {
  return opset <= 14 ? 7 : 8;
}

Status write_value_info(const ir::Value& v, ::onnx::ValueInfoProto* info) {
  info->set_name(v.name);
  auto* tensor = info->mutable_type()->mutable_tensor_type();
  const int32_t type = dtype_to_onnx(v.dtype);
  if (type == 0) return Status::Error("value '" + v.name + "' has no element type");
  tensor->set_elem_type(type);
  if (!v.has_shape) return Status::Ok();
  auto* shape = tensor->mutable_shape();
  for (const ir::Dim& d : v.shape) {
    auto* dim = shape->add_dim();
    if (d.known()) {
      dim->set_dim_value(d.size);
    } else if (!d.symbol.empty()) {
      dim->set_dim_param(d.symbol);
    }
  }
  return Status::Ok();
}

// Node order with producers first; ties keep the graph's order (usually already sorted).
Expected<std::vector<const ir::Node*>> sorted_nodes(const ir::Graph& graph) {
  std::unordered_map<const ir::Node*, int> pending;
  for (const auto& n : graph.nodes()) {
    int count = 0;
    for (const ir::Value* in : n->inputs)
      if (in && in->producer) ++count;
    pending[n.get()] = count;
  }
  std::vector<const ir::Node*> order;
  std::unordered_set<const ir::Node*> done;
  // Graphs are small (hundreds of nodes) and usually sorted: repeated sweeps are cheap.
  bool progress = true;
  while (order.size() < graph.nodes().size() && progress) {
    progress = false;
    for (const auto& n : graph.nodes()) {
      if (done.count(n.get())) continue;
      bool ready = true;
      for (const ir::Value* in : n->inputs)
        if (in && in->producer && !done.count(in->producer)) ready = false;
      if (!ready) continue;
      order.push_back(n.get());
      done.insert(n.get());
      progress = true;
    }
  }
  if (order.size() != graph.nodes().size())
    return Status::Error("graph has a cycle; cannot export it to ONNX");
  return order;
}

// ONNX has no per-tensor quantization annotation: quantized tensors must travel between
// QuantizeLinear and DequantizeLinear nodes, which carry scale and zero point themselves.
Status check_quantization(const ir::Graph& graph) {
  for (const auto& n : graph.nodes()) {
    for (const ir::Value* in : n->inputs)
      if (in && in->quant && n->op != ir::OpType::kDequantizeLinear && !in->constant)
        return node_error(*n, "reads quantized tensor '" + in->name +
                                  "'; ONNX export needs explicit DequantizeLinear nodes");
    for (const ir::Value* out : n->outputs)
      if (out->quant && n->op != ir::OpType::kQuantizeLinear)
        return node_error(*n, "writes quantized tensor '" + out->name +
                                  "'; ONNX export needs explicit QuantizeLinear nodes");
  }
  return Status::Ok();
}

}  // namespace

Expected<std::vector<uint8_t>> export_onnx(const ir::Graph& graph,
                                           const OnnxExportOptions& options) {
  if (options.opset < kMinExportOpset || options.opset > kMaxExportOpset)
    return Status::Error("ONNX export: opset " + std::to_string(options.opset) +
                         " is not supported (mconv writes opsets 13-18)");
  MCONV_RETURN_IF_ERROR(check_quantization(graph).with_context("ONNX export"));
  MCONV_ASSIGN_OR_RETURN(std::vector<const ir::Node*> order, sorted_nodes(graph));

  ::onnx::ModelProto model;
  model.set_ir_version(ir_version_for_opset(options.opset));
  model.set_producer_name(options.producer_name);
  if (options.metadata && !options.metadata->empty())
    write_metadata_props(*options.metadata, model);
  auto* opset = model.add_opset_import();
  opset->set_domain("");
  opset->set_version(options.opset);
  ::onnx::GraphProto* g = model.mutable_graph();
  g->set_name(graph.name.empty() ? "mconv" : graph.name);

  ExportContext ctx;
  ctx.opset = options.opset;
  ctx.graph = g;
  for (const auto& v : graph.values()) ctx.names.insert(v->name);

  std::unordered_set<const ir::Value*> io;
  for (const ir::Value* v : graph.inputs) {
    io.insert(v);
    MCONV_RETURN_IF_ERROR(
        write_value_info(*v, g->add_input()).with_context("ONNX export: graph input"));
  }

  // Constants read by some node become initializers under their own names.
  std::unordered_set<const ir::Value*> written;
  for (const ir::Node* n : order) {
    for (const ir::Value* in : n->inputs) {
      if (!in || !in->constant || written.count(in)) continue;
      ::onnx::TensorProto* t = g->add_initializer();
      MCONV_RETURN_IF_ERROR(
          encode_tensor(*in->constant, t).with_context("ONNX export: constant '" + in->name + "'"));
      t->set_name(in->name);
      written.insert(in);
    }
  }

  for (const ir::Node* n : order)
    MCONV_RETURN_IF_ERROR(export_node(ctx, *n).with_context("ONNX export"));

  for (const ir::Value* v : graph.outputs) {
    io.insert(v);
    if (v->constant) {
      // An output that is a constant is written as Identity(initializer) so the output keeps its
      // name and stays a node output, as every ONNX consumer expects.
      MCONV_ASSIGN_OR_RETURN(std::string init,
                             ctx.add_initializer(v->name + "_value", *v->constant));
      ::onnx::NodeProto* id = g->add_node();
      id->set_op_type("Identity");
      id->set_name(ctx.fresh_name(v->name + "_identity"));
      id->add_input(init);
      id->add_output(v->name);
    }
    MCONV_RETURN_IF_ERROR(
        write_value_info(*v, g->add_output()).with_context("ONNX export: graph output"));
  }

  // value_info lets readers (and the checker's strict shape inference) see mconv's shapes.
  for (const ir::Node* n : order) {
    for (const ir::Value* out : n->outputs) {
      if (io.count(out) || out->dtype == DType::kUndefined || !out->has_shape) continue;
      MCONV_RETURN_IF_ERROR(write_value_info(*out, g->add_value_info()));
    }
  }

  if (model.ByteSizeLong() > static_cast<size_t>(INT_MAX))
    return Status::Error("ONNX export: model is over 2 GiB, which protobuf cannot hold");
  std::vector<uint8_t> bytes(model.ByteSizeLong());
  if (!model.SerializeToArray(bytes.data(), static_cast<int>(bytes.size())))
    return Status::Error("ONNX export: protobuf serialization failed");
  return bytes;
}

Status export_onnx_file(const ir::Graph& graph, const std::string& path,
                        const OnnxExportOptions& options) {
  auto bytes = export_onnx(graph, options);
  if (!bytes.ok()) return bytes.status().with_context(path);
  return write_file_atomic(path, *bytes);
}

}  // namespace mconv::onnx
