// The TFLite import driver: verifies the flatbuffer, checks model-level indices, walks subgraph 0's
// operators through the op table (import_op_table.cc) and finishes with a topological sort (which
// catches cyclic graphs) and ir::verify.
#include "tflite/tflite_importer.h"

#include <flatbuffers/flatbuffers.h>

#include <algorithm>
#include <cctype>

#include "core/file_io.h"
#include "ir/import_checks.h"
#include "ir/verifier.h"
#include "passes/shape_inference.h"
#include "tflite/import_context.h"
#include "tflite/metadata/tflite_metadata.h"

namespace mconv::tflite {
namespace {

// Generous limits: MobileNet-class files have a few thousand tables; depth is about 6.
constexpr flatbuffers::uoffset_t kMaxDepth = 64;
constexpr flatbuffers::uoffset_t kMaxTables = 10'000'000;

std::string op_code_name(int32_t code, const fb::OperatorCode& oc) {
  if (code == fb::BuiltinOperator_CUSTOM) {
    // The custom code is file text: shown without control characters and cut to a sane length.
    std::string custom = oc.custom_code() ? oc.custom_code()->str().substr(0, 80) : std::string();
    for (char& c : custom)
      if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = '?';
    return "CUSTOM '" + custom + "'";
  }
  const char* name = (code >= fb::BuiltinOperator_MIN && code <= fb::BuiltinOperator_MAX)
                         ? fb::EnumNameBuiltinOperator(static_cast<fb::BuiltinOperator>(code))
                         : "";
  return name && *name ? std::string(name) : "BUILTIN_" + std::to_string(code);
}

bool printable_identifier(const uint8_t* id) {
  return std::all_of(id, id + 4, [](uint8_t c) { return c >= 0x20 && c < 0x7f; });
}

// Runs the flatbuffers Verifier; returns the model or a one-line error.
Expected<const fb::Model*> verified_model(const std::vector<uint8_t>& bytes,
                                          const std::string& file) {
  if (bytes.empty()) return Status::Error(file + ": empty file, not a TFLite model");
  if (bytes.size() < 8)
    return Status::Error(file + ": " + std::to_string(bytes.size()) +
                         " bytes is too short for a TFLite model");
  // A flatbuffer addresses at most 2 GiB; large-model files append buffer data after it, which
  // the buffer offset checks cover, so only the flatbuffer part is handed to the verifier.
  const size_t verify_size = std::min<size_t>(bytes.size(), FLATBUFFERS_MAX_BUFFER_SIZE - 1);
  flatbuffers::Verifier verifier(bytes.data(), verify_size, kMaxDepth, kMaxTables);
  const uint8_t* id = bytes.data() + 4;
  bool ok;
  if (flatbuffers::BufferHasIdentifier(bytes.data(), fb::ModelIdentifier())) {
    ok = fb::VerifyModelBuffer(verifier);
  } else if (printable_identifier(id)) {
    // Four printable bytes where "TFL3" belongs: some other format (or a damaged header).
    std::string shown(reinterpret_cast<const char*>(id), 4);
    return Status::Error(file + ": file identifier '" + shown +
                         "' is not 'TFL3', not a TFLite model");
  } else {
    // Very old converters wrote no identifier: then bytes 4..8 are part of the flatbuffer itself
    // (padding or the root table), never four printable characters. Such a buffer is accepted
    // only when it verifies as a Model without the identifier (and passes the version check).
    ok = verifier.VerifyBuffer<fb::Model>(nullptr);
  }
  if (!ok)
    return Status::Error(file + ": not a valid TFLite flatbuffer (the flatbuffers verifier " +
                         "rejected it: truncated or corrupt file)");
  return fb::GetModel(bytes.data());
}

Status import_operators(ImportContext& ctx, const fb::Model& model, const fb::SubGraph& sg) {
  const int op_code_count = model.operator_codes() ? model.operator_codes()->size() : 0;
  const int op_count = sg.operators() ? sg.operators()->size() : 0;
  const int tensor_count = ctx.tensor_count();
  for (int i = 0; i < op_count; ++i) {
    const fb::Operator* op = sg.operators()->Get(i);
    const uint32_t code_index = op->opcode_index();
    if (code_index >= static_cast<uint32_t>(op_code_count))
      return ctx.error("operator " + std::to_string(i) + " uses operator code " +
                       std::to_string(code_index) + ", but the file has only " +
                       std::to_string(op_code_count));
    const fb::OperatorCode& oc = *model.operator_codes()->Get(code_index);
    // Files from before the extended code list only set deprecated_builtin_code; newer ones set
    // both (deprecated = PLACEHOLDER_FOR_GREATER_OP_CODES for codes >= 127). The larger wins,
    // as in TFLite's own reader.
    const int32_t code =
        std::max<int32_t>(static_cast<int32_t>(oc.builtin_code()), oc.deprecated_builtin_code());
    const std::string name = op_code_name(code, oc);
    ctx.begin_operator(i, name, op);
    if (code == fb::BuiltinOperator_CUSTOM)
      return ctx.op_error("custom operators are not supported");
    const OpEntry* entry = find_op_entry(static_cast<fb::BuiltinOperator>(code));
    if (!entry) return ctx.op_error("operator not supported by the TFLite importer");
    if (oc.version() < 1 || oc.version() > entry->max_version)
      return ctx.op_error("version " + std::to_string(oc.version()) +
                          " is not supported (known: 1.." + std::to_string(entry->max_version) +
                          ")");
    if (op->inputs())
      for (int32_t t : *op->inputs())
        if (t < -1 || t >= tensor_count)
          return ctx.op_error("input tensor index " + std::to_string(t) + " is out of range (" +
                              std::to_string(tensor_count) + " tensors)");
    if (op->outputs())
      for (int32_t t : *op->outputs())
        if (t < 0 || t >= tensor_count)
          return ctx.op_error("output tensor index " + std::to_string(t) + " is out of range (" +
                              std::to_string(tensor_count) + " tensors)");
    MCONV_RETURN_IF_ERROR(entry->convert(ctx));
  }
  return Status::Ok();
}

}  // namespace

Expected<ir::Model> import_tflite_bytes(const std::vector<uint8_t>& bytes,
                                        const TfliteImportOptions& given_options) {
  TfliteImportOptions options = given_options;
  if (!options.limits) {
    MCONV_ASSIGN_OR_RETURN(options.limits, import_limits_from_env());
  }
  const ImportLimits& limits = *options.limits;
  const std::string file = options.source_name.empty() ? "<tflite>" : options.source_name;
  if (bytes.size() > limits.max_file_bytes)
    return Status::Error(file + ": file is " + std::to_string(bytes.size()) +
                         " bytes, over the limit of " + std::to_string(limits.max_file_bytes) +
                         " (MCONV_MAX_FILE_BYTES)");
  MCONV_ASSIGN_OR_RETURN(const fb::Model* model, verified_model(bytes, file));
  if (model->version() != 3)
    return Status::Error(file + ": TFLite schema version " + std::to_string(model->version()) +
                         ", expected 3");
  if (!model->subgraphs() || model->subgraphs()->size() == 0)
    return Status::Error(file + ": the model has no subgraph");
  const fb::SubGraph& sg = *model->subgraphs()->Get(0);
  const int64_t operator_count = sg.operators() ? sg.operators()->size() : 0;
  if (operator_count > limits.max_nodes)
    return Status::Error(file + ": subgraph 0 has " + std::to_string(operator_count) +
                         " operators, over the limit of " + std::to_string(limits.max_nodes) +
                         " (MCONV_MAX_NODES)");

  ir::Model result;
  result.source_format = "tflite";
  if (model->description()) result.producer = model->description()->str();
  // Model metadata is optional: a damaged one does not stop the import (inspect reports it).
  if (auto metadata = read_tflite_metadata(bytes); metadata.ok() && metadata->has_value())
    result.metadata = std::move(**metadata);
  ir::Graph& graph = result.graph;
  if (sg.name()) {
    graph.name = sg.name()->str();
    for (char& c : graph.name)
      if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = '_';
  }

  ImportContext ctx(bytes, *model, sg, options, &graph);
  const int tensor_count = ctx.tensor_count();
  auto check_io = [&](const flatbuffers::Vector<int32_t>* list, const char* what) -> Status {
    if (!list) return Status::Ok();
    for (int32_t t : *list)
      if (t < 0 || t >= tensor_count)
        return ctx.error(std::string("subgraph ") + what + " tensor index " + std::to_string(t) +
                         " is out of range (" + std::to_string(tensor_count) + " tensors)");
    return Status::Ok();
  };
  MCONV_RETURN_IF_ERROR(check_io(sg.inputs(), "input"));
  MCONV_RETURN_IF_ERROR(check_io(sg.outputs(), "output"));

  // Inputs first so they keep their names; an input tensor's buffer (if any) is ignored, as the
  // caller always feeds it.
  if (sg.inputs()) {
    for (int32_t t : *sg.inputs()) {
      ctx.mark_graph_input(t);
      MCONV_ASSIGN_OR_RETURN(ir::Value * v, ctx.tensor_value(t));
      if (std::find(graph.inputs.begin(), graph.inputs.end(), v) != graph.inputs.end())
        return ctx.error(ctx.tensor_label(t) + " is listed twice as a subgraph input");
      graph.inputs.push_back(v);
    }
  }
  MCONV_RETURN_IF_ERROR(import_operators(ctx, *model, sg));
  if (sg.outputs()) {
    for (int32_t t : *sg.outputs()) {
      MCONV_ASSIGN_OR_RETURN(ir::Value * v, ctx.tensor_value(t));
      graph.outputs.push_back(v);
    }
  }
  if (graph.outputs.empty()) return ctx.error("the main subgraph has no outputs");
  MCONV_RETURN_IF_ERROR(ctx.check_all_produced());
  if (Status s = graph.topological_sort(); !s.ok()) return s.with_context(file);
  if (Status s = ir::check_import_limits(graph, limits); !s.ok()) return s.with_context(file);
  // Drops what nothing reads: constants whose data moved into a relaid-out or folded copy (the
  // f16 input of a folded DEQUANTIZE, ...), and operators whose results are never used.
  graph.remove_dead();
  if (options.verify_graph) {
    if (Status s = ir::verify(graph); !s.ok()) return s.with_context(file + ": imported graph");
  }
  if (Status s = passes::check_declared_dtypes(graph); !s.ok()) return s.with_context(file);
  return result;
}

Expected<TfliteFileInfo> read_tflite_file_info(const std::vector<uint8_t>& bytes,
                                               const std::string& source_name) {
  const std::string file = source_name.empty() ? "<tflite>" : source_name;
  MCONV_ASSIGN_OR_RETURN(const fb::Model* model, verified_model(bytes, file));
  TfliteFileInfo info;
  if (model->description()) info.description = model->description()->str();
  info.subgraph_count = model->subgraphs() ? model->subgraphs()->size() : 0;
  const uint32_t buffer_count = model->buffers() ? model->buffers()->size() : 0;
  if (model->metadata()) {
    for (const fb::Metadata* m : *model->metadata()) {
      if (!m->name() || m->name()->str() != "min_runtime_version" || m->buffer() >= buffer_count)
        continue;
      const fb::Buffer* b = model->buffers()->Get(m->buffer());
      if (!b->data()) continue;
      // A NUL-padded version string.
      std::string text(b->data()->begin(), b->data()->end());
      info.min_runtime_version = text.substr(0, text.find('\0'));
    }
  }
  if (info.subgraph_count == 0 || !model->signature_defs()) return info;
  const fb::SubGraph* sg = model->subgraphs()->Get(0);
  for (const fb::SignatureDef* sig : *model->signature_defs()) {
    if (sig->subgraph_index() != 0) continue;
    if (sig->signature_key()) info.signature_key = sig->signature_key()->str();
    // Aliases follow the subgraph's own input/output order.
    auto aliases = [](const flatbuffers::Vector<int32_t>* order,
                      const flatbuffers::Vector<flatbuffers::Offset<fb::TensorMap>>* maps) {
      std::vector<std::string> names;
      if (!order) return names;
      for (int32_t t : *order) {
        std::string alias;
        if (maps)
          for (const fb::TensorMap* map : *maps)
            if (map->tensor_index() == static_cast<uint32_t>(t) && map->name())
              alias = map->name()->str();
        names.push_back(alias);
      }
      return names;
    };
    info.input_aliases = aliases(sg->inputs(), sig->inputs());
    info.output_aliases = aliases(sg->outputs(), sig->outputs());
    break;
  }
  return info;
}

Expected<ir::Model> import_tflite_file(const std::string& path,
                                       const TfliteImportOptions& options) {
  auto bytes = read_file_bytes(path);
  if (!bytes.ok()) return bytes.status();
  TfliteImportOptions named = options;
  if (named.source_name.empty()) named.source_name = path;
  return import_tflite_bytes(*bytes, named);
}

}  // namespace mconv::tflite
