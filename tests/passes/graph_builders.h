// Small helpers for building IR graphs by hand in pass tests, counting their ops and running them
// in the reference interpreter (the oracle a rewrite is checked against).
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "ir/graph.h"
#include "runtime/interpreter.h"

namespace mconv::passes::testing {

inline ir::Dim sym(const std::string& name) {
  return ir::Dim{-1, name};
}
inline ir::Dim dim(int64_t size) {
  return ir::Dim{size, ""};
}

inline ir::Value* i64_const(ir::Graph& g, const std::string& name, std::vector<int64_t> values,
                            bool scalar = false) {
  std::vector<int64_t> shape;
  if (scalar) {
    values.resize(1);  // a scalar holds exactly one element
  } else {
    shape.push_back(static_cast<int64_t>(values.size()));
  }
  return g.add_constant(name, Tensor::FromVector<int64_t>(DType::kI64, shape, values));
}

inline ir::Value* f32_const(ir::Graph& g, const std::string& name, std::vector<int64_t> shape,
                            float fill = 0.5f) {
  int64_t n = shape_element_count(shape);
  return g.add_constant(name,
                        Tensor::FromVector<float>(DType::kF32, shape, std::vector<float>(n, fill)));
}

// A computed value with no shape yet (inference fills it).
inline ir::Value* fresh(ir::Graph& g, const std::string& name) {
  return g.add_value(name, DType::kUndefined, {}, false);
}

// Adds one node with a fresh output named after the node; returns the output.
inline ir::Value* op(ir::Graph& g, ir::OpType type, const std::string& name,
                     std::vector<ir::Value*> inputs, ir::Attributes attrs = {},
                     ir::Layout layout = ir::Layout::kNone) {
  ir::Value* out = fresh(g, name + "_out");
  ir::Node* n = g.add_node(type, name, std::move(inputs), {out});
  n->attrs = std::move(attrs);
  n->layout = layout;
  return out;
}

inline ir::Attributes attrs(std::initializer_list<std::pair<const char*, ir::AttrValue>> list) {
  ir::Attributes a;
  for (const auto& [name, value] : list) a.set(name, value);
  return a;
}

inline int count_ops(const ir::Graph& g, ir::OpType type) {
  return static_cast<int>(std::count_if(g.nodes().begin(), g.nodes().end(),
                                        [&](const auto& n) { return n->op == type; }));
}

inline std::vector<Tensor> run_graph(const ir::Graph& g, const std::vector<Tensor>& inputs) {
  auto interp = runtime::Interpreter::Create(g);
  EXPECT_TRUE(interp.ok()) << interp.status().message();
  if (!interp.ok()) return {};
  auto out = (*interp)->run(inputs);
  EXPECT_TRUE(out.ok()) << out.status().message();
  return out.ok() ? std::move(*out) : std::vector<Tensor>{};
}

}  // namespace mconv::passes::testing
