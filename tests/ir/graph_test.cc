#include "ir/graph.h"

#include <gtest/gtest.h>

#include "ir/dump.h"
#include "ir/verifier.h"

namespace mconv::ir {
namespace {

// x -> Relu -> Add(w) -> y
Graph small_graph() {
  Graph g;
  g.name = "small";
  Value* x = g.add_value("x", DType::kF32, make_shape({1, 4}));
  Value* w = g.add_constant("w", Tensor::FromVector<float>(DType::kF32, {1, 4}, {1, 2, 3, 4}));
  Value* r = g.add_value("r", DType::kF32, make_shape({1, 4}));
  Value* y = g.add_value("y", DType::kF32, make_shape({1, 4}));
  g.add_node(OpType::kAdd, "add", {r, w}, {y});  // added before its producer on purpose
  g.add_node(OpType::kRelu, "relu", {x}, {r});
  g.inputs = {x};
  g.outputs = {y};
  return g;
}

TEST(Graph, TopologicalSortOrdersProducersFirst) {
  Graph g = small_graph();
  EXPECT_FALSE(verify(g).ok());  // add reads r before relu defines it
  ASSERT_TRUE(g.topological_sort().ok());
  EXPECT_EQ(g.nodes()[0]->name, "relu");
  EXPECT_TRUE(verify(g).ok()) << verify(g).message();
}

TEST(Graph, DetectsCycle) {
  Graph g;
  Value* a = g.add_value("a", DType::kF32, make_shape({1}));
  Value* b = g.add_value("b", DType::kF32, make_shape({1}));
  g.add_node(OpType::kRelu, "r1", {a}, {b});
  g.add_node(OpType::kRelu, "r2", {b}, {a});
  g.outputs = {b};
  Status s = g.topological_sort();
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("cycle"), std::string::npos);
}

TEST(Graph, VerifierNamesDanglingInput) {
  Graph g;
  Value* a = g.add_value("a", DType::kF32, make_shape({1}));
  Value* b = g.add_value("b", DType::kF32, make_shape({1}));
  g.add_node(OpType::kRelu, "relu_dangling", {a}, {b});
  g.outputs = {b};
  Status s = verify(g);  // a is neither input nor constant
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("relu_dangling"), std::string::npos) << s.message();
}

TEST(Graph, VerifierRejectsDtypeMismatch) {
  Graph g;
  Value* a = g.add_value("a", DType::kF32, make_shape({2}));
  Value* b = g.add_constant("b", Tensor::FromVector<int64_t>(DType::kI64, {2}, {1, 2}));
  Value* c = g.add_value("c", DType::kF32, make_shape({2}));
  g.add_node(OpType::kAdd, "add_mixed", {a, b}, {c});
  g.inputs = {a};
  g.outputs = {c};
  Status s = verify(g);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("dtypes differ"), std::string::npos) << s.message();
}

TEST(Graph, RemoveDeadAndReplaceUses) {
  Graph g = small_graph();
  ASSERT_TRUE(g.topological_sort().ok());
  Node* add = g.find_node("add");
  // Bypass the add: y := r. The add and its constant become dead.
  g.replace_all_uses(add->outputs[0], add->inputs[0]);
  EXPECT_EQ(g.remove_dead(), 1);
  EXPECT_EQ(g.nodes().size(), 1u);
  EXPECT_EQ(g.find_value("w"), nullptr);
  EXPECT_EQ(g.outputs[0]->name, "r");
  EXPECT_TRUE(verify(g).ok());
}

TEST(Graph, CloneIsDeepAndDumpIsReadable) {
  Graph g = small_graph();
  ASSERT_TRUE(g.topological_sort().ok());
  Graph c = g.clone();
  EXPECT_EQ(dump(g), dump(c));
  EXPECT_NE(c.find_value("x"), g.find_value("x"));
  std::string text = dump(g);
  EXPECT_NE(text.find("input  x: f32[1,4]"), std::string::npos) << text;
  EXPECT_NE(text.find("Relu relu (x) -> (r: f32[1,4])"), std::string::npos) << text;
}

TEST(Graph, ModelCloneCopiesGraphFileFactsAndMetadata) {
  Model m;
  m.graph = small_graph();
  m.source_opset = 17;
  m.source_format = "onnx";
  m.producer = "pytorch";
  m.metadata.name = "small";
  m.metadata.labels = {"cat", "dog"};
  m.metadata.image = ImageInputMetadata{.width = 4, .height = 1};
  Model c = m.clone();
  EXPECT_EQ(dump(c.graph), dump(m.graph));
  EXPECT_NE(c.graph.find_value("x"), m.graph.find_value("x"));
  EXPECT_EQ(c.source_opset, 17);
  EXPECT_EQ(c.source_format, "onnx");
  EXPECT_EQ(c.producer, "pytorch");
  EXPECT_EQ(c.metadata.name, "small");
  EXPECT_EQ(c.metadata.labels, m.metadata.labels);
  ASSERT_TRUE(c.metadata.image.has_value());
  EXPECT_EQ(c.metadata.image->width, 4);
  // The copy is independent: editing it leaves the source as it was.
  c.graph.find_value("x")->dtype = DType::kF16;
  c.metadata.labels.push_back("bird");
  EXPECT_EQ(m.graph.find_value("x")->dtype, DType::kF32);
  EXPECT_EQ(m.metadata.labels.size(), 2u);
}

TEST(Graph, UniqueNames) {
  Graph g;
  Value* a = g.add_value("t", DType::kF32, make_shape({1}));
  Value* b = g.add_value("t", DType::kF32, make_shape({1}));
  EXPECT_NE(a->name, b->name);
}

}  // namespace
}  // namespace mconv::ir
