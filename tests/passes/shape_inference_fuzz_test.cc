// Hostile-input robustness: random ops over random (often absurd) shapes, attributes and constant
// index inputs. Shape inference must return (success or an error naming the node), and when it
// succeeds every inferred dim must be a valid size; never a crash, hang or negative dim.
#include <gtest/gtest.h>

#include <limits>
#include <random>

#include "graph_builders.h"
#include "passes/constant_folding.h"
#include "passes/shape_inference.h"

namespace mconv::passes {
namespace {

constexpr int64_t kI64Max = std::numeric_limits<int64_t>::max();
constexpr int64_t kI64Min = std::numeric_limits<int64_t>::min();

class Hostile {
 public:
  explicit Hostile(uint32_t seed) : rng_(seed) {}

  int64_t pick(std::initializer_list<int64_t> values) {
    std::uniform_int_distribution<size_t> d(0, values.size() - 1);
    return *(values.begin() + d(rng_));
  }
  int64_t small_int() { return pick({-3, -2, -1, 0, 1, 2, 3, 4}); }
  int64_t any_int() {
    return pick({-3, -1, 0, 1, 2, 3, 5, 64, int64_t{1} << 40, kI64Max, kI64Min, kI64Max - 1});
  }
  ir::Dim dim() {
    switch (pick({0, 1, 2, 3, 4})) {
      case 0:
        return ir::Dim{-1, "batch"};
      case 1:
        return ir::Dim{-1, ""};
      case 2:
        return ir::Dim{pick({int64_t{1} << 40, int64_t{1} << 62, kI64Max}), ""};
      default:
        return ir::Dim{pick({0, 1, 1, 2, 3, 4, 7}), ""};
    }
  }
  ir::Shape shape() {
    ir::Shape s;
    for (int64_t r = pick({0, 1, 2, 3, 4, 4, 5}); r > 0; --r) s.push_back(dim());
    return s;
  }
  std::vector<int64_t> ints(bool hostile) {
    std::vector<int64_t> v;
    for (int64_t n = pick({0, 1, 2, 3, 4, 8}); n > 0; --n)
      v.push_back(hostile ? any_int() : small_int());
    return v;
  }
  bool coin() { return pick({0, 1}) == 1; }

 private:
  std::mt19937 rng_;
};

ir::Attributes random_attrs(Hostile& h) {
  ir::Attributes a;
  for (const char* name : {"axis", "group", "transA", "transB", "ceil_mode", "keepdims", "start",
                           "end", "allowzero", "to"})
    if (h.coin()) a.set(name, h.coin() ? h.small_int() : h.any_int());
  for (const char* name : {"perm", "kernel_shape", "strides", "pads", "dilations", "axes", "split"})
    if (h.coin()) a.set(name, h.ints(h.coin()));
  return a;
}

TEST(ShapeInferenceFuzz, HostileGraphsNeverCrash) {
  Hostile h(20240611);
  int errors = 0, successes = 0;
  for (int iter = 0; iter < 3000; ++iter) {
    ir::Graph g;
    auto type = static_cast<ir::OpType>(
        h.pick({0,  1,  2,  3,  4,  5,  6,  7,  8,  9,  10, 11, 12, 13, 14, 15, 16, 17, 18, 19,
                20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38}));
    ASSERT_LT(static_cast<int>(type), ir::kOpTypeCount);
    const ir::OpInfo& info = ir::op_info(type);
    int inputs = static_cast<int>(h.pick({0, 1, 2, 3, 4, 5}));
    inputs = std::clamp(inputs, info.min_inputs, std::min(info.max_inputs, 5));
    std::vector<ir::Value*> ins;
    for (int i = 0; i < inputs; ++i) {
      if (i > 0 && h.coin()) {
        // Index-like constant (shape, axes, starts, pads, sizes...).
        ins.push_back(testing::i64_const(g, "c" + std::to_string(i), h.ints(h.coin()),
                                         h.pick({0, 0, 0, 1}) == 1));
      } else {
        ir::Value* v = g.add_value("in" + std::to_string(i), h.coin() ? DType::kF32 : DType::kI64,
                                   h.shape(), h.pick({0, 1, 1, 1}) == 1);
        g.inputs.push_back(v);
        ins.push_back(v);
      }
    }
    int outputs = info.outputs >= 0 ? info.outputs : static_cast<int>(h.pick({1, 2, 3}));
    std::vector<ir::Value*> outs;
    for (int i = 0; i < outputs; ++i) outs.push_back(testing::fresh(g, "out" + std::to_string(i)));
    ir::Node* n = g.add_node(type, "n", ins, outs);
    n->attrs = random_attrs(h);
    n->layout = h.coin() ? ir::Layout::kNCHW : ir::Layout::kNHWC;
    g.outputs = outs;

    auto r = infer_shapes(g);
    if (!r.ok()) {
      ++errors;
      EXPECT_NE(r.status().message().find("node 'n'"), std::string::npos) << r.status().message();
      continue;
    }
    ++successes;
    for (const ir::Value* out : outs) {
      if (!out->has_shape) continue;
      EXPECT_LE(out->shape.size(), 64u);
      for (const ir::Dim& d : out->shape)
        EXPECT_TRUE(d.size >= -1) << ir::op_name(type) << " gave " << ir::shape_string(out->shape);
    }
  }
  // Both paths must have been exercised for the test to mean anything.
  EXPECT_GT(errors, 100);
  EXPECT_GT(successes, 100);
}

TEST(ShapeInferenceFuzz, FoldingHostileConstantsNeverCrashes) {
  Hostile h(7);
  int folded = 0;
  for (int iter = 0; iter < 1500; ++iter) {
    ir::Graph g;
    auto type = static_cast<ir::OpType>(h.pick({18, 19, 22, 23, 24, 25, 26, 27, 28, 29, 30, 34}));
    const ir::OpInfo& info = ir::op_info(type);
    int inputs = std::clamp(static_cast<int>(h.pick({1, 2, 3, 4})), info.min_inputs,
                            std::min(info.max_inputs, 5));
    std::vector<ir::Value*> ins;
    // Data: a small real constant so evaluation is cheap; the rest hostile index constants.
    std::vector<int64_t> data_shape;
    for (int64_t r = h.pick({0, 1, 2, 3}); r > 0; --r) data_shape.push_back(h.pick({0, 1, 2, 3}));
    ins.push_back(testing::f32_const(g, "data", data_shape));
    for (int i = 1; i < inputs; ++i)
      ins.push_back(testing::i64_const(g, "c" + std::to_string(i), h.ints(h.coin()),
                                       h.pick({0, 0, 0, 1}) == 1));
    int outputs = info.outputs >= 0 ? info.outputs : static_cast<int>(h.pick({1, 2}));
    std::vector<ir::Value*> outs;
    for (int i = 0; i < outputs; ++i) outs.push_back(testing::fresh(g, "out" + std::to_string(i)));
    ir::Node* n = g.add_node(type, "n", ins, outs);
    n->attrs = random_attrs(h);
    // Read through an Identity so the folded node does not produce a graph output.
    for (ir::Value* out : outs)
      g.outputs.push_back(testing::op(g, ir::OpType::kIdentity, "r", {out}));
    (void)infer_shapes(g);
    auto r = fold_constants(g);
    EXPECT_TRUE(r.ok()) << r.status().message();  // folding skips what it cannot evaluate
    if (r.ok()) folded += r->changes;
  }
  EXPECT_GT(folded, 100);  // the valid cases did fold
}

}  // namespace
}  // namespace mconv::passes
