#include "ir/dump.h"

#include <sstream>

namespace mconv::ir {

std::string value_signature(const Value& v) {
  std::string s = v.name + ": " + std::string(dtype_name(v.dtype)) +
                  (v.has_shape ? shape_string(v.shape) : "[?]");
  if (v.quant) {
    s += v.quant->per_axis() ? " q(axis=" + std::to_string(v.quant->axis) + ", " +
                                   std::to_string(v.quant->scale.size()) + " scales)"
                             : " q(scale=" + std::to_string(v.quant->scale.at(0)) +
                                   ", zp=" + std::to_string(v.quant->zero_point.at(0)) + ")";
  }
  return s;
}

std::string dump(const Graph& graph) {
  std::ostringstream out;
  out << "graph " << graph.name << "\n";
  for (const Value* v : graph.inputs) out << "input  " << value_signature(*v) << "\n";
  for (const auto& v : graph.values())
    if (v->constant) out << "const  " << value_signature(*v) << "\n";
  for (const auto& n : graph.nodes()) {
    out << op_name(n->op) << " " << n->name << " (";
    for (size_t i = 0; i < n->inputs.size(); ++i)
      out << (i ? ", " : "") << (n->inputs[i] ? n->inputs[i]->name : "-");
    out << ") -> (";
    for (size_t i = 0; i < n->outputs.size(); ++i)
      out << (i ? ", " : "") << value_signature(*n->outputs[i]);
    out << ")";
    if (n->layout != Layout::kNone) out << " layout=" << layout_name(n->layout);
    for (const auto& [key, value] : n->attrs.all()) out << " " << key << "=" << attr_to_string(value);
    out << "\n";
  }
  for (const Value* v : graph.outputs) out << "output " << value_signature(*v) << "\n";
  return out.str();
}

}  // namespace mconv::ir
