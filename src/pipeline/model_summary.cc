#include "pipeline/model_summary.h"

#include <algorithm>
#include <cstdio>
#include <set>

#include "core/json_writer.h"
#include "core/number_format.h"
#include "pipeline/metadata_summary.h"
#include "tflite/metadata/tflite_metadata.h"

namespace mconv::pipeline {

namespace {

// Ops that keep every axis where it was, so the layout of their input is the layout of their
// output: a walk from a graph input through them reaches the op that decides the layout.
bool keeps_axes(ir::OpType op) {
  using ir::OpType;
  switch (op) {
    case OpType::kRelu:
    case OpType::kClip:
    case OpType::kLeakyRelu:
    case OpType::kHardSigmoid:
    case OpType::kHardSwish:
    case OpType::kSigmoid:
    case OpType::kTanh:
    case OpType::kAdd:
    case OpType::kSub:
    case OpType::kMul:
    case OpType::kDiv:
    case OpType::kPow:
    case OpType::kSqrt:
    case OpType::kIdentity:
    case OpType::kDropout:
    case OpType::kPad:
    case OpType::kCast:
    case OpType::kQuantizeLinear:
    case OpType::kDequantizeLinear:
      return true;
    default:
      return false;
  }
}

// The layout of the first layout-sensitive op reached from `start` through axis-keeping ops,
// following consumers (downstream) or producers (upstream).
std::string find_layout(const ir::Value* start, bool downstream) {
  std::vector<const ir::Value*> frontier = {start};
  std::set<const ir::Value*> seen = {start};
  while (!frontier.empty()) {
    const ir::Value* v = frontier.back();
    frontier.pop_back();
    std::vector<const ir::Node*> nodes;
    if (downstream) {
      nodes.assign(v->consumers.begin(), v->consumers.end());
    } else if (v->producer) {
      nodes.push_back(v->producer);
    }
    for (const ir::Node* n : nodes) {
      if (ir::op_info(n->op).layout_sensitive && n->layout != ir::Layout::kNone)
        return std::string(ir::layout_name(n->layout));
      if (!keeps_axes(n->op)) continue;
      const auto& next = downstream ? n->outputs : n->inputs;
      for (const ir::Value* w : next)
        if (w && !w->is_constant() && seen.insert(w).second) frontier.push_back(w);
    }
  }
  return "";
}

std::string format_float(double x) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6g", x);
  return buf;
}

std::string quant_string(const ir::QuantParams& q) {
  if (q.scale.empty()) return "";
  if (q.per_axis())
    return "per-channel axis=" + std::to_string(q.axis) + " (" + std::to_string(q.scale.size()) +
           " scales)";
  std::string zp = q.zero_point.empty() ? "0" : std::to_string(q.zero_point[0]);
  return "scale=" + format_float(q.scale[0]) + " zero_point=" + zp;
}

IoSummary summarize_io(const ir::Value& v, bool is_input) {
  IoSummary io;
  io.name = v.name;
  io.dtype = v.dtype;
  io.has_shape = v.has_shape;
  io.shape = v.shape;
  if (v.has_shape && v.shape.size() == 4) io.layout = find_layout(&v, is_input);
  if (v.quant) io.quant = quant_string(*v.quant);
  return io;
}

std::string io_type_string(const IoSummary& io) {
  return std::string(dtype_name(io.dtype)) + (io.has_shape ? ir::shape_string(io.shape) : "[?]");
}

std::vector<int64_t> json_dims(const IoSummary& io) {
  std::vector<int64_t> dims;
  for (const auto& d : io.shape) dims.push_back(d.known() ? d.size : -1);
  return dims;
}

}  // namespace

ModelSummary summarize_model(const ModelFile& file, const ir::Model& model) {
  const ir::Graph& g = model.graph;
  ModelSummary s;
  s.file = file.path;
  s.file_bytes = file.bytes.size();
  s.format = std::string(model_format_name(file.format));
  s.producer = model.producer;
  s.opset = model.source_opset;
  s.graph_name = g.name;
  for (const ir::Value* v : g.inputs) s.inputs.push_back(summarize_io(*v, true));
  for (const ir::Value* v : g.outputs) s.outputs.push_back(summarize_io(*v, false));

  std::map<std::string, int64_t> counts;
  for (const auto& n : g.nodes()) ++counts[std::string(ir::op_name(n->op))];
  s.node_count = static_cast<int64_t>(g.nodes().size());
  s.op_counts.assign(counts.begin(), counts.end());
  std::stable_sort(s.op_counts.begin(), s.op_counts.end(),
                   [](const auto& a, const auto& b) { return a.second > b.second; });

  for (const auto& v : g.values()) {
    if (v->quant) ++s.quantized_values;
    if (!v->constant || v->consumers.empty()) continue;
    int64_t n = v->constant->element_count();
    s.parameter_count += n;
    s.parameter_bytes += static_cast<int64_t>(v->constant->byte_size());
    s.parameters_by_dtype[std::string(dtype_name(v->constant->dtype()))] += n;
  }
  s.metadata = model.metadata;
  // The importer skips damaged TFLite metadata; inspect says why.
  if (file.format == ModelFormat::kTflite)
    if (auto read = tflite::read_tflite_metadata(file.bytes); !read.ok())
      s.metadata_error = read.status().message();
  return s;
}

std::string summary_text(const ModelSummary& s) {
  std::string out;
  auto line = [&](const std::string& label, const std::string& text) {
    std::string l = label + ":";
    l.resize(std::max<size_t>(l.size() + 1, 13), ' ');
    out += l + text + "\n";
  };
  std::string size = with_thousands(static_cast<int64_t>(s.file_bytes)) + " bytes";
  if (s.file_bytes >= 1024) size += ", " + human_bytes(s.file_bytes);
  line("file", s.file + " (" + size + ")");
  std::string format = s.format;
  if (s.opset > 0) format += ", opset " + std::to_string(s.opset);
  line("format", format);
  line("producer", s.producer.empty() ? "(not recorded)" : s.producer);
  if (!s.graph_name.empty()) line("graph", s.graph_name);

  auto io_block = [&](const std::string& title, const std::vector<IoSummary>& ios) {
    out += title + " (" + std::to_string(ios.size()) + "):\n";
    size_t name_width = 0, type_width = 0;
    for (const auto& io : ios) {
      name_width = std::max(name_width, io.name.size());
      type_width = std::max(type_width, io_type_string(io).size());
    }
    for (const auto& io : ios) {
      std::string row = "  " + io.name;
      row.resize(2 + name_width + 2, ' ');
      std::string type = io_type_string(io);
      row += type;
      if (!io.layout.empty() || !io.quant.empty())
        row.resize(row.size() + type_width - type.size() + 2, ' ');
      if (!io.layout.empty()) row += io.layout;
      if (!io.quant.empty()) row += (io.layout.empty() ? "" : "  ") + io.quant;
      out += row + "\n";
    }
  };
  io_block("inputs", s.inputs);
  io_block("outputs", s.outputs);

  std::string params = with_thousands(s.parameter_count) + " (" +
                       human_bytes(static_cast<uint64_t>(s.parameter_bytes));
  if (s.parameters_by_dtype.size() > 1 ||
      (s.parameters_by_dtype.size() == 1 && s.parameters_by_dtype.begin()->first != "f32")) {
    params += ";";
    for (const auto& [dtype, count] : s.parameters_by_dtype)
      params += " " + dtype + " " + with_thousands(count);
  }
  line("parameters", params + ")");
  if (s.quantized_values > 0) line("quantized", std::to_string(s.quantized_values) + " tensors");
  size_t kinds = s.op_counts.size();
  line("nodes", with_thousands(s.node_count) + " (" + std::to_string(kinds) + " op type" +
                    (kinds == 1 ? "" : "s") + ")");
  out += "ops:\n";
  size_t op_width = 0;
  for (const auto& [op, count] : s.op_counts) op_width = std::max(op_width, op.size());
  for (const auto& [op, count] : s.op_counts) {
    std::string row = "  " + op;
    row.resize(2 + op_width + 2, ' ');
    std::string number = std::to_string(count);
    out += row + std::string(5 > number.size() ? 5 - number.size() : 0, ' ') + number + "\n";
  }
  out += metadata_text(s.metadata, s.metadata_error);
  return out;
}

std::string summary_json(const ModelSummary& s) {
  JsonWriter j;
  j.begin_object();
  j.field("file", s.file);
  j.field("file_bytes", s.file_bytes);
  j.field("format", s.format);
  j.field("producer", s.producer);
  j.field("opset", s.opset);
  j.field("graph", s.graph_name);
  auto io_list = [&](const char* key, const std::vector<IoSummary>& ios) {
    j.key(key);
    j.begin_array();
    for (const auto& io : ios) {
      j.begin_object();
      j.field("name", io.name);
      j.field("dtype", std::string(dtype_name(io.dtype)));
      if (io.has_shape) {
        j.field("shape", json_dims(io));
        std::vector<std::string> symbols;
        for (const auto& d : io.shape) symbols.push_back(d.known() ? "" : d.symbol);
        j.field("dim_names", symbols);
      } else {
        j.key("shape");
        j.null();
      }
      if (!io.layout.empty()) j.field("layout", io.layout);
      if (!io.quant.empty()) j.field("quantization", io.quant);
      j.end_object();
    }
    j.end_array();
  };
  io_list("inputs", s.inputs);
  io_list("outputs", s.outputs);
  j.field("node_count", s.node_count);
  j.key("ops");
  j.begin_object();
  for (const auto& [op, count] : s.op_counts) j.field(op, count);
  j.end_object();
  j.field("parameter_count", s.parameter_count);
  j.field("parameter_bytes", s.parameter_bytes);
  j.key("parameters_by_dtype");
  j.begin_object();
  for (const auto& [dtype, count] : s.parameters_by_dtype) j.field(dtype, count);
  j.end_object();
  j.field("quantized_values", s.quantized_values);
  j.key("metadata");
  metadata_json(j, s.metadata, s.metadata_error);
  j.end_object();
  return j.str();
}

}  // namespace mconv::pipeline
