// Top level of the ONNX importer: parse and validate the ModelProto, create constants and graph
// inputs, convert the nodes in dependency order, attach outputs, then simplify.
#include "onnx/onnx_importer.h"

#include <google/protobuf/stubs/logging.h>

#include <climits>
#include <filesystem>
#include <queue>

#include "core/file_io.h"
#include "ir/import_checks.h"
#include "ir/verifier.h"
#include "onnx/onnx_import_context.h"
#include "onnx/onnx_import_ops.h"
#include "onnx/onnx_metadata.h"
#include "onnx/onnx_pb.h"
#include "onnx/onnx_tensor.h"
#include "onnx/onnx_types.h"

#if __has_include("passes/pipelines.h")
#include "passes/pipelines.h"
#define MCONV_ONNX_HAVE_PIPELINES 1
#endif

namespace mconv::onnx {
namespace {

constexpr int64_t kMinOpset = 11;
constexpr int64_t kMaxOpset = 18;
constexpr int64_t kMaxIrVersion = 10;  // ONNX 1.16; newer files may use features mconv misses

Status fail(const std::string& source, const std::string& message) {
  return Status::Error(source + ": " + message);
}

Expected<::onnx::ModelProto> parse_model(const std::vector<uint8_t>& bytes,
                                         const std::string& source) {
  if (bytes.empty()) return fail(source, "file is empty, not an ONNX model");
  if (bytes.size() > static_cast<size_t>(INT_MAX))
    return fail(source, "file is over 2 GiB; protobuf cannot hold it (use external data)");
  ::onnx::ModelProto model;
  // Garbage input may make protobuf log warnings; the Status already says what went wrong.
  google::protobuf::LogSilencer silence;
  // Parsing straight from the array gives protobuf the real end of the input, so a length prefix
  // longer than what is left fails at once. Through a CodedInputStream (whatever its byte limit)
  // protobuf first reserved up to 50 MB for such a string: fuzzer finding, a 5-byte file made mconv
  // allocate 38 MB. (Arrays have no 64 MB default limit; files over 2 GiB are refused above.)
  if (!model.ParseFromArray(bytes.data(), static_cast<int>(bytes.size())))
    return fail(source, "not an ONNX model (the protobuf does not parse)");
  return model;
}

// The default-domain opset the file declares, validated against what mconv reads.
Expected<int64_t> read_opset(const ::onnx::ModelProto& model, const std::string& source) {
  if (!model.has_ir_version() || model.ir_version() < 3)
    return fail(source, "not an ONNX model (missing or invalid IR version)");
  if (model.ir_version() > kMaxIrVersion)
    return fail(source, "IR version " + std::to_string(model.ir_version()) +
                            " is newer than mconv supports (<= " + std::to_string(kMaxIrVersion) +
                            ")");
  int64_t opset = -1;
  for (const auto& entry : model.opset_import()) {
    if (entry.domain().empty() || entry.domain() == "ai.onnx") {
      if (opset >= 0) return fail(source, "declares the default ONNX domain's opset twice");
      opset = entry.version();
    }
  }
  if (opset < 0) return fail(source, "declares no opset for the default ONNX domain");
  if (opset < kMinOpset || opset > kMaxOpset)
    return fail(source, "opset " + std::to_string(opset) +
                            " of the default domain is not supported (mconv reads opsets " +
                            std::to_string(kMinOpset) + "-" + std::to_string(kMaxOpset) + ")");
  if (!model.has_graph()) return fail(source, "model has no graph");
  return opset;
}

// Indices of the file's nodes, producers first (files are usually sorted, but ONNX readers such
// as ORT accept unsorted ones too). Ties keep file order.
Expected<std::vector<int>> node_order(const ::onnx::GraphProto& graph, const std::string& source) {
  const int count = graph.node_size();
  std::unordered_map<std::string, int> producer;
  for (int i = 0; i < count; ++i) {
    for (const std::string& out : graph.node(i).output()) {
      if (out.empty()) continue;
      if (!producer.emplace(out, i).second)
        return fail(source, "value '" + printable(out) + "' is produced by two nodes");
    }
  }
  std::vector<int> pending(count, 0);
  std::vector<std::vector<int>> users(count);
  for (int i = 0; i < count; ++i) {
    for (const std::string& in : graph.node(i).input()) {
      auto it = producer.find(in);
      if (in.empty() || it == producer.end()) continue;
      ++pending[i];
      users[it->second].push_back(i);
    }
  }
  std::priority_queue<int, std::vector<int>, std::greater<int>> ready;
  for (int i = 0; i < count; ++i)
    if (pending[i] == 0) ready.push(i);
  std::vector<int> order;
  order.reserve(count);
  while (!ready.empty()) {
    const int i = ready.top();
    ready.pop();
    order.push_back(i);
    for (int user : users[i])
      if (--pending[user] == 0) ready.push(user);
  }
  if (static_cast<int>(order.size()) != count) {
    for (int i = 0; i < count; ++i)
      if (pending[i] > 0)
        return fail(source, "graph has a cycle through node '" + printable(graph.node(i).name()) +
                                "' (" + printable(graph.node(i).op_type()) + ")");
  }
  return order;
}

Status add_initializers(ImportContext& ctx, const ::onnx::GraphProto& graph) {
  if (graph.sparse_initializer_size() > 0)
    return fail(ctx.source, "sparse initializers are not supported");
  for (const ::onnx::TensorProto& init : graph.initializer()) {
    const std::string& name = init.name();
    if (name.empty()) return fail(ctx.source, "an initializer has no name");
    if (ctx.values.count(name))
      return fail(ctx.source, "initializer '" + printable(name) + "' is defined twice");
    auto tensor = decode_tensor(init, ctx.base_dir, ctx.limits);
    if (!tensor.ok())
      return fail(ctx.source,
                  "initializer '" + printable(name) + "': " + tensor.status().message());
    ir::Value* v = ctx.graph->add_constant(ir_name(name), std::move(tensor).value());
    if (v->name != ir_name(name))
      return fail(ctx.source, "initializer name '" + printable(name) + "' is ambiguous");
    ctx.values[name] = v;
  }
  return Status::Ok();
}

Status add_graph_inputs(ImportContext& ctx, const ::onnx::GraphProto& graph) {
  for (const ::onnx::ValueInfoProto& input : graph.input()) {
    const std::string& name = input.name();
    if (name.empty()) return fail(ctx.source, "a graph input has no name");
    if (ctx.values.count(name)) {
      // An input with an initializer of the same name is a constant with a default value (IR < 4
      // style); mconv treats it as the constant.
      if (ctx.values[name]->constant) continue;
      return fail(ctx.source, "graph input '" + printable(name) + "' is listed twice");
    }
    if (!input.has_type())
      return fail(ctx.source, "graph input '" + printable(name) + "' has no type");
    DType dtype;
    ir::Shape shape;
    bool has_shape;
    Status s = read_tensor_type(input.type(), &dtype, &shape, &has_shape);
    if (!s.ok()) return fail(ctx.source, "graph input '" + printable(name) + "' " + s.message());
    if (has_shape) {
      std::vector<int64_t> dims;
      for (const ir::Dim& d : shape) dims.push_back(d.known() ? d.size : 0);
      auto count = check_tensor_shape(ctx.limits, "graph input '" + printable(name) + "'",
                                      dims.data(), dims.size());
      if (!count.ok()) return fail(ctx.source, count.status().message());
    }
    ir::Value* v = ctx.graph->add_value(ir_name(name), dtype, shape, has_shape);
    if (v->name != ir_name(name))
      return fail(ctx.source, "graph input name '" + printable(name) + "' is ambiguous");
    ctx.values[name] = v;
    ctx.graph->inputs.push_back(v);
  }
  return Status::Ok();
}

Status convert_node(ImportContext& ctx, const ::onnx::NodeProto& proto, int index) {
  const std::string who =
      proto.name().empty() ? "#" + std::to_string(index) : "'" + printable(proto.name()) + "'";
  if (!proto.domain().empty() && proto.domain() != "ai.onnx")
    return fail(ctx.source, "node " + who + " has op type '" + printable(proto.op_type()) +
                                "' in domain '" + printable(proto.domain()) +
                                "' that mconv does not support");
  const OpImportRule* rule = find_import_rule(proto.op_type());
  if (!rule)
    return fail(ctx.source, "node " + who + " has op type '" + printable(proto.op_type()) +
                                "' that mconv does not support");
  NodeImporter node(ctx, proto, index);
  if (rule->since_opset > ctx.opset)
    return node.error("op " + std::string(rule->onnx_op) +
                      " needs opset >= " + std::to_string(rule->since_opset) +
                      ", the file declares " + std::to_string(ctx.opset));
  MCONV_RETURN_IF_ERROR(node.status());
  return rule->convert(node);
}

Status add_graph_outputs(ImportContext& ctx, const ::onnx::GraphProto& graph) {
  if (graph.output_size() == 0) return fail(ctx.source, "graph has no outputs");
  for (const ::onnx::ValueInfoProto& output : graph.output()) {
    auto it = ctx.values.find(output.name());
    if (it == ctx.values.end())
      return fail(ctx.source, "graph output '" + printable(output.name()) +
                                  "' is not produced by any node, initializer or input");
    ir::Value* v = it->second;
    if (std::find(ctx.graph->outputs.begin(), ctx.graph->outputs.end(), v) !=
        ctx.graph->outputs.end())
      return fail(ctx.source, "graph output '" + printable(output.name()) + "' is listed twice");
    if (output.has_type() && v->dtype == DType::kUndefined) {
      DType dtype;
      ir::Shape shape;
      bool has_shape;
      Status s = read_tensor_type(output.type(), &dtype, &shape, &has_shape);
      if (!s.ok())
        return fail(ctx.source, "graph output '" + printable(output.name()) + "' " + s.message());
      v->dtype = dtype;
    }
    ctx.graph->outputs.push_back(v);
  }
  return Status::Ok();
}

// Adapts whatever the passes pipeline returns (Status or Expected<...>) to a Status.
[[maybe_unused]] Status as_status(const Status& s) {
  return s;
}
template <typename T>
[[maybe_unused]] Status as_status(const Expected<T>& e) {
  return e.status();
}

Status simplify(ir::Graph& graph, const OnnxImportOptions& options) {
  MCONV_RETURN_IF_ERROR(graph.topological_sort());
  MCONV_RETURN_IF_ERROR(ir::verify(graph));
#ifdef MCONV_ONNX_HAVE_PIPELINES
  if (options.fold_constants || options.infer_shapes) {
    passes::SimplifyOptions simplify_options;
    simplify_options.infer_shapes = options.infer_shapes;
    simplify_options.fold_constants = options.fold_constants;
    MCONV_RETURN_IF_ERROR(as_status(passes::simplify_after_import(graph, simplify_options)));
    MCONV_RETURN_IF_ERROR(ir::verify(graph));
  }
#endif
  return Status::Ok();
}

Expected<ir::Model> import_model(const std::vector<uint8_t>& bytes, const std::string& source,
                                 const std::string& base_dir, const OnnxImportOptions& options) {
  ImportLimits limits;
  if (options.limits) {
    limits = *options.limits;
  } else {
    MCONV_ASSIGN_OR_RETURN(limits, import_limits_from_env());
  }
  if (bytes.size() > limits.max_file_bytes)
    return fail(source, "file is " + std::to_string(bytes.size()) + " bytes, over the limit of " +
                            std::to_string(limits.max_file_bytes) + " (MCONV_MAX_FILE_BYTES)");
  MCONV_ASSIGN_OR_RETURN(::onnx::ModelProto proto, parse_model(bytes, source));
  MCONV_ASSIGN_OR_RETURN(int64_t opset, read_opset(proto, source));
  const ::onnx::GraphProto& graph = proto.graph();
  if (graph.node_size() > limits.max_nodes)
    return fail(source, "graph has " + std::to_string(graph.node_size()) +
                            " nodes, over the limit of " + std::to_string(limits.max_nodes) +
                            " (MCONV_MAX_NODES)");

  ir::Model model;
  model.graph.name = ir_name(graph.name());
  model.source_opset = opset;
  model.source_format = "onnx";
  model.producer = printable(proto.producer_name());
  if (!proto.producer_version().empty())
    model.producer += " " + printable(proto.producer_version());
  model.metadata = read_metadata_props(proto);

  ImportContext ctx;
  ctx.source = source;
  ctx.base_dir = base_dir;
  ctx.opset = opset;
  ctx.limits = limits;
  ctx.graph = &model.graph;
  for (const auto& init : graph.initializer()) ctx.file_names.insert(ir_name(init.name()));
  for (const auto& input : graph.input()) ctx.file_names.insert(ir_name(input.name()));
  for (const auto& node : graph.node()) {
    for (const std::string& in : node.input()) ctx.consumed.insert(in);
    for (const std::string& out : node.output()) ctx.file_names.insert(ir_name(out));
  }
  for (const auto& output : graph.output()) ctx.consumed.insert(output.name());
  for (const auto* list : {&graph.input(), &graph.output(), &graph.value_info()})
    for (const auto& info : *list)
      if (info.has_type()) ctx.declared.emplace(info.name(), &info.type());

  MCONV_RETURN_IF_ERROR(add_initializers(ctx, graph));
  MCONV_RETURN_IF_ERROR(add_graph_inputs(ctx, graph));
  MCONV_ASSIGN_OR_RETURN(std::vector<int> order, node_order(graph, source));
  for (int index : order) MCONV_RETURN_IF_ERROR(convert_node(ctx, graph.node(index), index));
  MCONV_RETURN_IF_ERROR(add_graph_outputs(ctx, graph));
  // Limits on what the file declared, before any pass evaluates or allocates anything for it.
  MCONV_RETURN_IF_ERROR(model.graph.topological_sort().with_context(source));
  MCONV_RETURN_IF_ERROR(ir::check_import_limits(model.graph, limits).with_context(source));
  MCONV_RETURN_IF_ERROR(simplify(model.graph, options).with_context(source));
  return model;
}

}  // namespace

Expected<ir::Model> import_onnx_file(const std::string& path, const OnnxImportOptions& options) {
  MCONV_ASSIGN_OR_RETURN(std::vector<uint8_t> bytes, read_file_bytes(path));
  std::string dir = std::filesystem::path(path).parent_path().string();
  if (dir.empty()) dir = ".";
  return import_model(bytes, path, dir, options);
}

Expected<ir::Model> import_onnx_bytes(const std::vector<uint8_t>& bytes,
                                      const std::string& base_dir,
                                      const OnnxImportOptions& options) {
  const std::string source = options.source_name.empty() ? "<memory>" : options.source_name;
  return import_model(bytes, source, base_dir, options);
}

}  // namespace mconv::onnx
