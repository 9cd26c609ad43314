#include "passes/shape_inference.h"

#include <gtest/gtest.h>

#include <limits>

#include "graph_builders.h"
#include "ir/verifier.h"

namespace mconv::passes {
namespace {

using ir::OpType;
using ir::Shape;
using testing::attrs;
using testing::dim;
using testing::f32_const;
using testing::i64_const;
using testing::op;
using testing::sym;

std::string str(const ir::Value* v) {
  return v->has_shape ? ir::shape_string(v->shape) : std::string("<no shape>");
}

ir::Value* input(ir::Graph& g, const std::string& name, Shape shape, DType dtype = DType::kF32) {
  ir::Value* v = g.add_value(name, dtype, shape);
  g.inputs.push_back(v);
  return v;
}

// Runs inference and expects success.
void infer_ok(ir::Graph& g) {
  auto r = infer_shapes(g);
  ASSERT_TRUE(r.ok()) << r.status().message();
}

// Runs inference and returns the error message ("" on unexpected success).
std::string infer_error(ir::Graph& g) {
  auto r = infer_shapes(g);
  return r.ok() ? std::string() : r.status().message();
}

TEST(ShapeInference, SymbolicBatchFlowsThroughConvFlattenGemm) {
  ir::Graph g;
  ir::Value* x = input(g, "x", {sym("batch"), dim(3), dim(32), dim(32)});
  ir::Value* w = f32_const(g, "w", {16, 3, 3, 3});
  ir::Value* b = f32_const(g, "b", {16});
  ir::Value* conv = op(g, OpType::kConv, "conv", {x, w, b},
                       attrs({{"kernel_shape", std::vector<int64_t>{3, 3}},
                              {"strides", std::vector<int64_t>{2, 2}},
                              {"pads", std::vector<int64_t>{1, 1, 1, 1}}}),
                       ir::Layout::kNCHW);
  ir::Value* relu = op(g, OpType::kRelu, "relu", {conv});
  ir::Value* pool = op(g, OpType::kGlobalAveragePool, "gap", {relu}, {}, ir::Layout::kNCHW);
  ir::Value* flat = op(g, OpType::kFlatten, "flatten", {pool}, attrs({{"axis", int64_t{1}}}));
  ir::Value* fc =
      op(g, OpType::kGemm, "fc", {flat, f32_const(g, "fc_w", {10, 16}), f32_const(g, "fc_b", {10})},
         attrs({{"transB", int64_t{1}}}));
  g.outputs = {fc};
  infer_ok(g);
  EXPECT_EQ(str(conv), "[batch,16,16,16]");
  EXPECT_EQ(str(relu), "[batch,16,16,16]");
  EXPECT_EQ(str(pool), "[batch,16,1,1]");
  EXPECT_EQ(str(flat), "[batch,16]");
  EXPECT_EQ(str(fc), "[batch,10]");
  EXPECT_EQ(fc->dtype, DType::kF32);
  EXPECT_TRUE(ir::verify(g).ok()) << ir::verify(g).message();
}

TEST(ShapeInference, ConvNhwcDilatedGrouped) {
  ir::Graph g;
  ir::Value* x = input(g, "x", {dim(1), dim(20), dim(22), dim(8)});
  ir::Value* conv = op(g, OpType::kConv, "dw", {x, f32_const(g, "w", {8, 1, 3, 3})},
                       attrs({{"group", int64_t{8}}, {"dilations", std::vector<int64_t>{2, 1}}}),
                       ir::Layout::kNHWC);
  g.outputs = {conv};
  infer_ok(g);
  // H: 20 - (2*2+1) + 1 = 16, W: 22 - 3 + 1 = 20, channels last.
  EXPECT_EQ(str(conv), "[1,16,20,8]");
}

TEST(ShapeInference, ConvChannelMismatchNamesNode) {
  ir::Graph g;
  ir::Value* x = input(g, "x", {dim(1), dim(4), dim(8), dim(8)});
  g.outputs = {op(g, OpType::kConv, "bad_conv", {x, f32_const(g, "w", {8, 3, 3, 3})}, {},
                  ir::Layout::kNCHW)};
  std::string e = infer_error(g);
  EXPECT_NE(e.find("bad_conv"), std::string::npos) << e;
  EXPECT_NE(e.find("Conv"), std::string::npos) << e;
  EXPECT_NE(e.find("input channels"), std::string::npos) << e;
}

TEST(ShapeInference, ConvKernelLargerThanInputIsError) {
  ir::Graph g;
  ir::Value* x = input(g, "x", {dim(1), dim(3), dim(2), dim(2)});
  g.outputs = {
      op(g, OpType::kConv, "conv", {x, f32_const(g, "w", {4, 3, 5, 5})}, {}, ir::Layout::kNCHW)};
  EXPECT_NE(infer_error(g).find("exceeds padded input"), std::string::npos);
}

TEST(ShapeInference, PoolingFloorAndCeil) {
  ir::Graph g;
  ir::Value* x = input(g, "x", {sym("n"), dim(64), dim(112), dim(112)});
  ir::Value* mp = op(g, OpType::kMaxPool, "mp", {x},
                     attrs({{"kernel_shape", std::vector<int64_t>{3, 3}},
                            {"strides", std::vector<int64_t>{2, 2}},
                            {"pads", std::vector<int64_t>{1, 1, 1, 1}}}),
                     ir::Layout::kNCHW);
  // 56x56 -> ceil((56-3)/2)+1 = 28 with ceil_mode (floor would give 27).
  ir::Value* y = input(g, "y", {dim(1), dim(8), dim(56), dim(56)});
  ir::Value* ap = op(g, OpType::kAveragePool, "ap", {y},
                     attrs({{"kernel_shape", std::vector<int64_t>{3, 3}},
                            {"strides", std::vector<int64_t>{2, 2}},
                            {"ceil_mode", int64_t{1}}}),
                     ir::Layout::kNCHW);
  // Ceil mode never starts a window past the input (ONNX backend test
  // maxpool_2d_ceil_output_size_reduce_by_one): 2 with k1 s2 gives 1, not ceil(1/2)+1 = 2.
  ir::Value* z = input(g, "z", {dim(1), dim(1), dim(2), dim(2)});
  ir::Value* edge = op(g, OpType::kMaxPool, "edge", {z},
                       attrs({{"kernel_shape", std::vector<int64_t>{1, 1}},
                              {"strides", std::vector<int64_t>{2, 2}},
                              {"ceil_mode", int64_t{1}}}),
                       ir::Layout::kNCHW);
  g.outputs = {mp, ap, edge};
  infer_ok(g);
  EXPECT_EQ(str(mp), "[n,64,56,56]");
  EXPECT_EQ(str(ap), "[1,8,28,28]");
  EXPECT_EQ(str(edge), "[1,1,1,1]");
}

TEST(ShapeInference, BatchNormChecksChannels) {
  ir::Graph g;
  ir::Value* x = input(g, "x", {dim(1), dim(4), dim(2), dim(2)});
  ir::Value* p = f32_const(g, "p", {4});
  ir::Value* q = f32_const(g, "q", {5});
  ir::Value* bn = op(g, OpType::kBatchNormalization, "bn", {x, p, p, p, p}, {}, ir::Layout::kNCHW);
  g.outputs = {bn};
  infer_ok(g);
  EXPECT_EQ(str(bn), "[1,4,2,2]");

  ir::Graph bad;
  ir::Value* bx = input(bad, "x", {dim(1), dim(4), dim(2), dim(2)});
  ir::Value* bp = f32_const(bad, "p", {4});
  ir::Value* bq = f32_const(bad, "q", {5});
  bad.outputs = {
      op(bad, OpType::kBatchNormalization, "bn_bad", {bx, bp, bp, bq, bp}, {}, ir::Layout::kNCHW)};
  EXPECT_NE(infer_error(bad).find("bn_bad"), std::string::npos);
  (void)q;
}

TEST(ShapeInference, BroadcastingBinaryOps) {
  ir::Graph g;
  ir::Value* a = input(g, "a", {sym("batch"), dim(1), dim(4)});
  ir::Value* b = input(g, "b", {dim(3), dim(1)});
  ir::Value* add = op(g, OpType::kAdd, "add", {a, b});
  ir::Value* mul = op(g, OpType::kMul, "mul", {add, f32_const(g, "s", {})});
  ir::Value* c = input(g, "c", {sym("batch"), dim(3), dim(4)});
  ir::Value* sub = op(g, OpType::kSub, "sub", {mul, c});
  g.outputs = {sub};
  infer_ok(g);
  EXPECT_EQ(str(add), "[batch,3,4]");
  EXPECT_EQ(str(mul), "[batch,3,4]");
  EXPECT_EQ(str(sub), "[batch,3,4]");
}

TEST(ShapeInference, NonBroadcastingShapesAreErrors) {
  ir::Graph g;
  ir::Value* a = input(g, "a", {dim(2), dim(3)});
  ir::Value* b = input(g, "b", {dim(4), dim(3)});
  g.outputs = {op(g, OpType::kAdd, "add_bad", {a, b})};
  std::string e = infer_error(g);
  EXPECT_NE(e.find("add_bad"), std::string::npos) << e;
  EXPECT_NE(e.find("(Add)"), std::string::npos) << e;
  EXPECT_NE(e.find("do not broadcast"), std::string::npos) << e;
}

TEST(ShapeInference, DifferentSymbolsBroadcastToUnknown) {
  ir::Graph g;
  ir::Value* a = input(g, "a", {sym("n"), dim(3)});
  ir::Value* b = input(g, "b", {sym("m"), dim(3)});
  ir::Value* add = op(g, OpType::kAdd, "add", {a, b});
  g.outputs = {add};
  infer_ok(g);
  EXPECT_EQ(str(add), "[?,3]");
}

TEST(ShapeInference, UnaryOpsKeepShapeAndCastChangesDtype) {
  ir::Graph g;
  ir::Value* x = input(g, "x", {sym("b"), dim(7)});
  ir::Value* v = x;
  for (OpType t : {OpType::kSigmoid, OpType::kTanh, OpType::kHardSwish, OpType::kHardSigmoid,
                   OpType::kLeakyRelu, OpType::kSqrt, OpType::kClip, OpType::kSoftmax,
                   OpType::kIdentity, OpType::kDropout})
    v = op(g, t, std::string(ir::op_name(t)), {v});
  ir::Value* cast =
      op(g, OpType::kCast, "cast", {v}, attrs({{"to", static_cast<int64_t>(DType::kF16)}}));
  ir::Value* pow = op(g, OpType::kPow, "pow", {cast, f32_const(g, "e", {1})});
  g.outputs = {pow};
  infer_ok(g);
  EXPECT_EQ(str(v), "[b,7]");
  EXPECT_EQ(v->dtype, DType::kF32);
  EXPECT_EQ(cast->dtype, DType::kF16);
  EXPECT_EQ(pow->dtype, DType::kF16);
  EXPECT_EQ(str(pow), "[b,7]");
}

TEST(ShapeInference, CastRejectsInvalidDtype) {
  ir::Graph g;
  ir::Value* x = input(g, "x", {dim(2)});
  g.outputs = {op(g, OpType::kCast, "cast", {x}, attrs({{"to", int64_t{99}}}))};
  EXPECT_NE(infer_error(g).find("not a valid dtype"), std::string::npos);
}

TEST(ShapeInference, MatMulBatchedAndVectors) {
  ir::Graph g;
  ir::Value* a = input(g, "a", {sym("b"), dim(1), dim(5), dim(6)});
  ir::Value* w = input(g, "w", {dim(3), dim(6), dim(7)});
  ir::Value* mm = op(g, OpType::kMatMul, "mm", {a, w});
  ir::Value* v = input(g, "v", {dim(7)});
  ir::Value* mv = op(g, OpType::kMatMul, "mv", {mm, v});
  g.outputs = {mv};
  infer_ok(g);
  EXPECT_EQ(str(mm), "[b,3,5,7]");
  EXPECT_EQ(str(mv), "[b,3,5]");

  ir::Graph bad;
  ir::Value* x = input(bad, "x", {dim(2), dim(3)});
  ir::Value* y = input(bad, "y", {dim(4), dim(5)});
  bad.outputs = {op(bad, OpType::kMatMul, "mm_bad", {x, y})};
  EXPECT_NE(infer_error(bad).find("inner dimensions"), std::string::npos);
}

TEST(ShapeInference, GemmTransposesAndBiasCheck) {
  ir::Graph g;
  ir::Value* a = input(g, "a", {dim(8), sym("n")});
  ir::Value* gemm =
      op(g, OpType::kGemm, "gemm", {a, f32_const(g, "b", {8, 4})}, attrs({{"transA", int64_t{1}}}));
  g.outputs = {gemm};
  infer_ok(g);
  EXPECT_EQ(str(gemm), "[n,4]");

  ir::Graph bad;
  ir::Value* x = input(bad, "x", {dim(2), dim(8)});
  bad.outputs = {op(bad, OpType::kGemm, "gemm_bad",
                    {x, f32_const(bad, "b", {8, 4}), f32_const(bad, "c", {3})})};
  EXPECT_NE(infer_error(bad).find("does not broadcast"), std::string::npos);
}

TEST(ShapeInference, ReshapeReadsConstantShape) {
  ir::Graph g;
  ir::Value* x = input(g, "x", {dim(2), dim(3), dim(4)});
  ir::Value* r1 = op(g, OpType::kReshape, "r1", {x, i64_const(g, "s1", {0, -1})});
  ir::Value* r2 = op(g, OpType::kReshape, "r2", {x, i64_const(g, "s2", {4, 3, 2})});
  g.outputs = {r1, r2};
  infer_ok(g);
  EXPECT_EQ(str(r1), "[2,12]");
  EXPECT_EQ(str(r2), "[4,3,2]");
}

TEST(ShapeInference, ReshapeElementCountMismatchIsError) {
  ir::Graph g;
  ir::Value* x = input(g, "x", {dim(2), dim(3)});
  g.outputs = {op(g, OpType::kReshape, "reshape_bad", {x, i64_const(g, "s", {4, 2})})};
  std::string e = infer_error(g);
  EXPECT_NE(e.find("reshape_bad"), std::string::npos) << e;
  EXPECT_NE(e.find("element counts differ"), std::string::npos) << e;

  ir::Graph g2;
  ir::Value* y = input(g2, "y", {dim(5), dim(3)});
  g2.outputs = {op(g2, OpType::kReshape, "r", {y, i64_const(g2, "s", {2, -1})})};
  EXPECT_NE(infer_error(g2).find("do not divide"), std::string::npos);

  ir::Graph g3;
  ir::Value* z = input(g3, "z", {dim(6)});
  g3.outputs = {op(g3, OpType::kReshape, "r", {z, i64_const(g3, "s", {-1, -1})})};
  EXPECT_NE(infer_error(g3).find("more than one -1"), std::string::npos);
}

TEST(ShapeInference, ReshapeWithSymbolicBatchResolvesMinusOne) {
  ir::Graph g;
  ir::Value* x = input(g, "x", {sym("batch"), dim(512), dim(1), dim(1)});
  ir::Value* shape = op(g, OpType::kShape, "shape", {x});
  ir::Value* batch = op(g, OpType::kGather, "gather", {shape, i64_const(g, "zero", {0}, true)});
  ir::Value* unsq = op(g, OpType::kUnsqueeze, "unsq", {batch, i64_const(g, "axes", {0})});
  ir::Value* target = op(g, OpType::kConcat, "concat", {unsq, i64_const(g, "minus1", {-1})},
                         attrs({{"axis", int64_t{0}}}));
  ir::Value* r = op(g, OpType::kReshape, "reshape", {x, target});
  g.outputs = {r};
  infer_ok(g);
  EXPECT_EQ(str(shape), "[4]");
  EXPECT_EQ(str(batch), "[]");
  EXPECT_EQ(str(target), "[2]");
  EXPECT_EQ(str(r), "[batch,512]");
}

TEST(ShapeInference, ReshapeWithUnknownTargetKeepsRank) {
  ir::Graph g;
  ir::Value* x = input(g, "x", {dim(6)});
  ir::Value* s = input(g, "s", {dim(3)}, DType::kI64);
  ir::Value* r = op(g, OpType::kReshape, "r", {x, s});
  g.outputs = {r};
  infer_ok(g);
  EXPECT_EQ(str(r), "[?,?,?]");
}

TEST(ShapeInference, FlattenTransposeSqueezeUnsqueeze) {
  ir::Graph g;
  ir::Value* x = input(g, "x", {sym("b"), dim(2), dim(1), dim(5)});
  ir::Value* f0 = op(g, OpType::kFlatten, "f0", {x}, attrs({{"axis", int64_t{0}}}));
  ir::Value* f2 = op(g, OpType::kFlatten, "f2", {x}, attrs({{"axis", int64_t{-2}}}));
  ir::Value* t =
      op(g, OpType::kTranspose, "t", {x}, attrs({{"perm", std::vector<int64_t>{0, 3, 1, 2}}}));
  ir::Value* t_default = op(g, OpType::kTranspose, "t_default", {x});
  ir::Value* sq = op(g, OpType::kSqueeze, "sq", {x, i64_const(g, "axes", {-2})});
  ir::Value* usq = op(g, OpType::kUnsqueeze, "usq", {sq, i64_const(g, "axes2", {0, -1})});
  g.outputs = {f0, f2, t, t_default, usq};
  infer_ok(g);
  EXPECT_EQ(str(f0), "[1,?]");
  EXPECT_EQ(str(f2), "[?,5]");
  EXPECT_EQ(str(t), "[b,5,2,1]");
  EXPECT_EQ(str(t_default), "[5,1,2,b]");
  EXPECT_EQ(str(sq), "[b,2,5]");
  EXPECT_EQ(str(usq), "[1,b,2,5,1]");
}

TEST(ShapeInference, SqueezeOfNonUnitDimIsError) {
  ir::Graph g;
  ir::Value* x = input(g, "x", {dim(1), dim(3)});
  g.outputs = {op(g, OpType::kSqueeze, "sq", {x, i64_const(g, "axes", {1})})};
  EXPECT_NE(infer_error(g).find("cannot squeeze"), std::string::npos);
}

TEST(ShapeInference, TransposeRejectsBadPerm) {
  ir::Graph g;
  ir::Value* x = input(g, "x", {dim(1), dim(3)});
  g.outputs = {op(g, OpType::kTranspose, "t", {x}, attrs({{"perm", std::vector<int64_t>{0, 0}}}))};
  EXPECT_NE(infer_error(g).find("not a permutation"), std::string::npos);
}

TEST(ShapeInference, ConcatSumsAxisAndChecksOthers) {
  ir::Graph g;
  ir::Value* a = input(g, "a", {sym("b"), dim(3), dim(4)});
  ir::Value* b = input(g, "b", {sym("b"), dim(5), dim(4)});
  ir::Value* c = op(g, OpType::kConcat, "cat", {a, b}, attrs({{"axis", int64_t{-2}}}));
  g.outputs = {c};
  infer_ok(g);
  EXPECT_EQ(str(c), "[b,8,4]");

  ir::Graph bad;
  ir::Value* x = input(bad, "x", {dim(2), dim(3)});
  ir::Value* y = input(bad, "y", {dim(2), dim(4)});
  bad.outputs = {op(bad, OpType::kConcat, "cat_bad", {x, y}, attrs({{"axis", int64_t{0}}}))};
  EXPECT_NE(infer_error(bad).find("cat_bad"), std::string::npos);
}

TEST(ShapeInference, SplitBySizesAndEqually) {
  ir::Graph g;
  ir::Value* x = input(g, "x", {sym("b"), dim(10)});
  ir::Value* s1 = testing::fresh(g, "s1");
  ir::Value* s2 = testing::fresh(g, "s2");
  ir::Node* n = g.add_node(OpType::kSplit, "split", {x, i64_const(g, "sizes", {3, 7})}, {s1, s2});
  n->attrs.set("axis", int64_t{1});
  ir::Value* e1 = testing::fresh(g, "e1");
  ir::Value* e2 = testing::fresh(g, "e2");
  ir::Node* eq = g.add_node(OpType::kSplit, "split_eq", {x}, {e1, e2});
  eq->attrs.set("axis", int64_t{1});
  g.outputs = {s1, s2, e1, e2};
  infer_ok(g);
  EXPECT_EQ(str(s1), "[b,3]");
  EXPECT_EQ(str(s2), "[b,7]");
  EXPECT_EQ(str(e1), "[b,5]");
  EXPECT_EQ(str(e2), "[b,5]");

  ir::Graph bad;
  ir::Value* y = input(bad, "y", {dim(10)});
  ir::Value* o1 = testing::fresh(bad, "o1");
  ir::Value* o2 = testing::fresh(bad, "o2");
  bad.add_node(OpType::kSplit, "split_bad", {y, i64_const(bad, "sizes", {3, 3})}, {o1, o2});
  bad.outputs = {o1, o2};
  EXPECT_NE(infer_error(bad).find("sum to 6"), std::string::npos);
}

TEST(ShapeInference, SliceClampsLikeOnnx) {
  ir::Graph g;
  ir::Value* x = input(g, "x", {sym("b"), dim(10), dim(8)});
  const int64_t kMax = std::numeric_limits<int64_t>::max();
  ir::Value* s = op(g, OpType::kSlice, "slice",
                    {x, i64_const(g, "starts", {1, -3}), i64_const(g, "ends", {kMax, 100}),
                     i64_const(g, "axes", {1, 2}), i64_const(g, "steps", {2, 1})});
  ir::Value* rev = op(g, OpType::kSlice, "rev",
                      {x, i64_const(g, "rs", {-1}), i64_const(g, "re", {-kMax}),
                       i64_const(g, "ra", {1}), i64_const(g, "rstep", {-3})});
  ir::Value* whole =
      op(g, OpType::kSlice, "whole",
         {x, i64_const(g, "ws", {0}), i64_const(g, "we", {kMax}), i64_const(g, "wa", {0})});
  g.outputs = {s, rev, whole};
  infer_ok(g);
  EXPECT_EQ(str(s), "[b,5,3]");    // 1,3,5,7,9 and 5..7
  EXPECT_EQ(str(rev), "[b,4,8]");  // 9,6,3,0
  EXPECT_EQ(str(whole), "[b,10,8]");
}

TEST(ShapeInference, SliceStepZeroIsError) {
  ir::Graph g;
  ir::Value* x = input(g, "x", {dim(4)});
  g.outputs = {op(g, OpType::kSlice, "slice",
                  {x, i64_const(g, "s", {0}), i64_const(g, "e", {4}), i64_const(g, "a", {0}),
                   i64_const(g, "st", {0})})};
  EXPECT_NE(infer_error(g).find("step is 0"), std::string::npos);
}

TEST(ShapeInference, GatherShapesAndIndexRange) {
  ir::Graph g;
  ir::Value* x = input(g, "x", {sym("b"), dim(6), dim(4)});
  ir::Value* idx = i64_const(g, "idx", {0, 5, 2});
  ir::Value* gat = op(g, OpType::kGather, "gather", {x, idx}, attrs({{"axis", int64_t{1}}}));
  ir::Value* scalar = op(g, OpType::kGather, "gather_scalar", {x, i64_const(g, "i", {-1}, true)},
                         attrs({{"axis", int64_t{2}}}));
  g.outputs = {gat, scalar};
  infer_ok(g);
  EXPECT_EQ(str(gat), "[b,3,4]");
  EXPECT_EQ(str(scalar), "[b,6]");

  ir::Graph bad;
  ir::Value* y = input(bad, "y", {dim(3)});
  bad.outputs = {op(bad, OpType::kGather, "g", {y, i64_const(bad, "i", {3})})};
  EXPECT_NE(infer_error(bad).find("out of range"), std::string::npos);
}

TEST(ShapeInference, PadReadsConstantPads) {
  ir::Graph g;
  ir::Value* x = input(g, "x", {sym("b"), dim(3), dim(4), dim(5)});
  ir::Value* p = op(g, OpType::kPad, "pad", {x, i64_const(g, "pads", {0, 0, 1, 2, 0, 0, 3, -1})},
                    attrs({{"mode", std::string("constant")}}));
  g.outputs = {p};
  infer_ok(g);
  EXPECT_EQ(str(p), "[b,3,8,6]");

  ir::Graph bad;
  ir::Value* y = input(bad, "y", {dim(2)});
  bad.outputs = {op(bad, OpType::kPad, "pad", {y, i64_const(bad, "pads", {0, -3})})};
  EXPECT_NE(infer_error(bad).find("below zero"), std::string::npos);
}

TEST(ShapeInference, ShapeConstantOfShapeReduceMean) {
  ir::Graph g;
  ir::Value* x = input(g, "x", {sym("b"), dim(3), dim(4), dim(5)});
  ir::Value* shape = op(g, OpType::kShape, "shape", {x}, attrs({{"start", int64_t{1}}}));
  ir::Value* filled = op(g, OpType::kConstantOfShape, "fill", {shape},
                         attrs({{"value", Tensor::FromVector<int64_t>(DType::kI64, {1}, {7})}}));
  ir::Value* mean = op(g, OpType::kReduceMean, "mean", {x},
                       attrs({{"axes", std::vector<int64_t>{2, -1}}, {"keepdims", int64_t{0}}}));
  ir::Value* mean_all = op(g, OpType::kReduceMean, "mean_all", {x});
  g.outputs = {filled, mean, mean_all};
  infer_ok(g);
  EXPECT_EQ(str(shape), "[3]");
  EXPECT_EQ(shape->dtype, DType::kI64);
  EXPECT_EQ(str(filled), "[3,4,5]");
  EXPECT_EQ(filled->dtype, DType::kI64);
  EXPECT_EQ(str(mean), "[b,3]");
  EXPECT_EQ(str(mean_all), "[1,1,1,1]");
}

TEST(ShapeInference, QuantizeDequantize) {
  ir::Graph g;
  ir::Value* x = input(g, "x", {sym("b"), dim(4)});
  ir::Value* scale = g.add_constant("scale", Tensor::FromVector<float>(DType::kF32, {}, {0.1f}));
  ir::Value* zp = g.add_constant("zp", Tensor::FromVector<int8_t>(DType::kI8, {}, {0}));
  ir::Value* q = op(g, OpType::kQuantizeLinear, "q", {x, scale, zp});
  ir::Value* dq = op(g, OpType::kDequantizeLinear, "dq", {q, scale, zp});
  g.outputs = {dq};
  infer_ok(g);
  EXPECT_EQ(q->dtype, DType::kI8);
  EXPECT_EQ(dq->dtype, DType::kF32);
  EXPECT_EQ(str(dq), "[b,4]");

  ir::Graph bad;
  ir::Value* w = bad.add_constant("w", Tensor(DType::kI8, {8, 3}));
  ir::Value* s = f32_const(bad, "s", {3});
  bad.outputs = {
      op(bad, OpType::kDequantizeLinear, "dq_bad", {w, s}, attrs({{"axis", int64_t{0}}}))};
  EXPECT_NE(infer_error(bad).find("dq_bad"), std::string::npos);
}

TEST(ShapeInference, KeepsDeclaredDimsInferenceCannotDerive) {
  ir::Graph g;
  ir::Value* x = input(g, "x", {dim(6)});
  ir::Value* s = input(g, "s", {dim(2)}, DType::kI64);
  ir::Value* r = g.add_value("r", DType::kF32, {dim(2), dim(3)});  // declared by the source
  g.add_node(OpType::kReshape, "r", {x, s}, {r});
  g.outputs = {r};
  infer_ok(g);
  EXPECT_EQ(str(r), "[2,3]");
}

TEST(ShapeInference, UnknownInputRankPropagatesWithoutError) {
  ir::Graph g;
  ir::Value* x = g.add_value("x", DType::kF32, {}, false);
  g.inputs = {x};
  ir::Value* relu = op(g, OpType::kRelu, "relu", {x});
  ir::Value* flat = op(g, OpType::kFlatten, "flat", {relu});
  ir::Value* conv =
      op(g, OpType::kConv, "conv", {relu, f32_const(g, "w", {4, 3, 1, 1})}, {}, ir::Layout::kNCHW);
  g.outputs = {flat, conv};
  infer_ok(g);
  EXPECT_FALSE(relu->has_shape);
  EXPECT_EQ(relu->dtype, DType::kF32);
  EXPECT_EQ(str(flat), "[?,?]");
  EXPECT_FALSE(conv->has_shape);
}

// ---- hostile shapes: errors, never crashes or hangs ----

TEST(ShapeInference, OverflowingReshapeIsError) {
  ir::Graph g;
  ir::Value* x = input(g, "x", {dim(int64_t{1} << 40), dim(int64_t{1} << 40)});
  g.outputs = {op(g, OpType::kReshape, "r", {x, i64_const(g, "s", {-1})})};
  EXPECT_NE(infer_error(g).find("overflows"), std::string::npos);
}

TEST(ShapeInference, OverflowingFlattenIsError) {
  ir::Graph g;
  ir::Value* x = input(g, "x", {dim(1), dim(int64_t{1} << 40), dim(int64_t{1} << 40)});
  g.outputs = {op(g, OpType::kFlatten, "f", {x})};
  EXPECT_NE(infer_error(g).find("overflows"), std::string::npos);
}

TEST(ShapeInference, HostileConvAttributesAreErrors) {
  const int64_t kHuge = std::numeric_limits<int64_t>::max();
  struct Case {
    const char* attr;
    std::vector<int64_t> value;
  };
  for (const Case& c : {Case{"strides", {0, 1}}, Case{"dilations", {-1, 1}},
                        Case{"pads", {-5, 0, 0, 0}}, Case{"pads", {kHuge, kHuge, 0, 0}},
                        Case{"dilations", {kHuge, 1}}, Case{"kernel_shape", {3}}}) {
    ir::Graph g;
    ir::Value* x = input(g, "x", {dim(1), dim(3), dim(8), dim(8)});
    ir::Attributes a;
    a.set(c.attr, c.value);
    g.outputs = {
        op(g, OpType::kConv, "conv", {x, f32_const(g, "w", {4, 3, 3, 3})}, a, ir::Layout::kNCHW)};
    EXPECT_NE(infer_error(g), "") << c.attr;
  }
}

TEST(ShapeInference, NegativeConstantShapesAreErrors) {
  ir::Graph g;
  ir::Value* c = op(g, OpType::kConstantOfShape, "fill", {i64_const(g, "s", {2, -4})});
  g.outputs = {c};
  EXPECT_NE(infer_error(g).find("negative dim"), std::string::npos);

  ir::Graph g2;
  ir::Value* x = input(g2, "x", {dim(4)});
  g2.outputs = {op(g2, OpType::kReshape, "r", {x, i64_const(g2, "s", {-2, -2})})};
  EXPECT_NE(infer_error(g2).find("negative dim"), std::string::npos);
}

TEST(ShapeInference, AbsurdRankIsError) {
  ir::Graph g;
  ir::Value* x = input(g, "x", {dim(1)});
  std::vector<int64_t> axes(100);
  for (size_t i = 0; i < axes.size(); ++i) axes[i] = static_cast<int64_t>(i);
  g.outputs = {op(g, OpType::kUnsqueeze, "u", {x, i64_const(g, "axes", axes)})};
  EXPECT_NE(infer_error(g).find("exceeds"), std::string::npos);
}

TEST(ShapeInference, FloatShapeInputIsError) {
  ir::Graph g;
  ir::Value* x = input(g, "x", {dim(4)});
  g.outputs = {op(g, OpType::kReshape, "r", {x, f32_const(g, "s", {2})})};
  EXPECT_NE(infer_error(g).find("integer"), std::string::npos);
}

TEST(ShapeInference, MissingRequiredInputIsError) {
  ir::Graph g;
  ir::Value* x = input(g, "x", {dim(4)});
  ir::Value* out = testing::fresh(g, "out");
  g.add_node(OpType::kAdd, "add", {x, nullptr}, {out});
  g.outputs = {out};
  EXPECT_NE(infer_error(g).find("required input 1"), std::string::npos);
}

TEST(ShapeInference, ReportsChangesAndIsIdempotent) {
  ir::Graph g;
  ir::Value* x = input(g, "x", {dim(2), dim(3)});
  g.outputs = {op(g, OpType::kRelu, "relu", {op(g, OpType::kSigmoid, "sig", {x})})};
  auto first = infer_shapes(g);
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(first->changes, 2);
  auto second = infer_shapes(g);
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second->changes, 0);
}

}  // namespace
}  // namespace mconv::passes
