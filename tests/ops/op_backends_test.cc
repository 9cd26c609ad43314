// Every op of the IR's op table, run three ways (after ggml's test-backend-ops): in the reference
// interpreter, and as a one-node model exported to ONNX (run in ONNX Runtime) and to TFLite (run
// in LiteRT; every case in ONE Node process). Each case has generated shapes and dtypes; outputs
// are compared by normalized mean squared error against the interpreter. The test prints the
// op x runtime grid (PASS with the error, FAIL with the error or the runtime's message, or "not
// exportable" with the exporter's reason) and fails on any mismatch or run failure. An op without
// cases does not compile (one maker per row of MCONV_IR_OPS).
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "core/npy.h"
#include "ir/graph.h"
#include "litert/litert.h"
#include "onnx/onnx_exporter.h"
#include "ort/ort_session.h"
#include "passes/shape_inference.h"
#include "runtime/interpreter.h"
#include "support/test_support.h"
#include "tflite/tflite_exporter.h"

namespace mconv {
namespace {

using ir::Layout;
using ir::OpType;
using Ints = std::vector<int64_t>;

// One single-node model and what to feed it.
struct Case {
  std::string label;           // op plus what varies ("Conv depthwise 3x3 f32[1,8,7,7]")
  ir::Graph graph;             // graph inputs -> one node -> graph outputs
  std::vector<Tensor> inputs;  // one per graph input
  double tolerance = 1e-6;     // largest normalized error that passes
};

// Builds one case: inputs become graph inputs fed with seeded data, parameters constants.
class CaseBuilder {
 public:
  explicit CaseBuilder(std::string label) { c_.label = std::move(label); }

  // A graph input of `shape` with seeded values in [lo, hi].
  ir::Value* input(Ints shape, float lo = -1.0f, float hi = 1.0f) {
    std::vector<float> v(static_cast<size_t>(shape_element_count(shape)));
    for (float& x : v) x = std::uniform_real_distribution<float>(lo, hi)(rng_);
    return input_tensor(Tensor::FromVector(DType::kF32, std::move(shape), v));
  }
  ir::Value* input_tensor(Tensor t) {
    ir::Value* v = c_.graph.add_value("in" + std::to_string(c_.inputs.size()), t.dtype(),
                                      ir::make_shape(t.shape()));
    c_.graph.inputs.push_back(v);
    c_.inputs.push_back(std::move(t));
    return v;
  }
  ir::Value* weights(Ints shape, float lo = -1.0f, float hi = 1.0f) {
    std::vector<float> v(static_cast<size_t>(shape_element_count(shape)));
    for (float& x : v) x = std::uniform_real_distribution<float>(lo, hi)(rng_);
    return constant(Tensor::FromVector(DType::kF32, std::move(shape), v));
  }
  ir::Value* ints(Ints values) {
    const int64_t n = static_cast<int64_t>(values.size());
    return constant(Tensor::FromVector<int64_t>(DType::kI64, {n}, values));
  }
  ir::Value* scalar(float x) { return constant(Tensor::FromVector<float>(DType::kF32, {}, {x})); }
  ir::Value* constant(Tensor t) {
    return c_.graph.add_constant("c" + std::to_string(constants_++), std::move(t));
  }

  // Adds the node (outputs named out0..) and infers shapes.
  Case node(OpType op, std::vector<ir::Value*> inputs, ir::Attributes attrs = {},
            Layout layout = Layout::kNone, int outputs = 1, double tolerance = 1e-6) {
    std::vector<ir::Value*> outs;
    for (int i = 0; i < outputs; ++i)
      outs.push_back(c_.graph.add_value("out" + std::to_string(i), DType::kUndefined, {}, false));
    ir::Node* n = c_.graph.add_node(op, std::string(ir::op_name(op)), std::move(inputs), outs);
    n->attrs = std::move(attrs);
    if (ir::op_info(op).layout_sensitive && layout == Layout::kNone) layout = Layout::kNCHW;
    n->layout = layout;
    c_.graph.outputs = outs;
    c_.tolerance = tolerance;
    auto inferred = passes::infer_shapes(c_.graph);
    EXPECT_TRUE(inferred.ok()) << c_.label << ": " << inferred.status().message();
    return std::move(c_);
  }

 private:
  Case c_;
  int constants_ = 0;
  std::mt19937 rng_{1234};
};

ir::Attributes attrs(std::initializer_list<std::pair<const char*, ir::AttrValue>> list) {
  ir::Attributes a;
  for (const auto& [name, value] : list) a.set(name, value);
  return a;
}

std::string dims(const Ints& shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) s += (i ? "," : "") + std::to_string(shape[i]);
  return s + "]";
}

// Transcendental kernels differ in the last bits between implementations.
constexpr double kTranscendental = 1e-5;

// ---------------------------------------------------------------- one maker per op
using Cases = std::vector<Case>;

Cases one(Case c) {  // (a braced list would copy; graphs only move)
  Cases cases;
  cases.push_back(std::move(c));
  return cases;
}

Cases cases_Conv() {
  Cases out;
  {
    CaseBuilder b("Conv 3x3 s2 p1 f32[1,3,9,9]");
    ir::Value* x = b.input({1, 3, 9, 9});
    out.push_back(b.node(
        OpType::kConv, {x, b.weights({8, 3, 3, 3}), b.weights({8})},
        attrs(
            {{"kernel_shape", Ints{3, 3}}, {"strides", Ints{2, 2}}, {"pads", Ints{1, 1, 1, 1}}})));
  }
  {
    CaseBuilder b("Conv depthwise 3x3 f32[1,8,7,7]");
    ir::Value* x = b.input({1, 8, 7, 7});
    out.push_back(b.node(
        OpType::kConv, {x, b.weights({8, 1, 3, 3}), b.weights({8})},
        attrs({{"kernel_shape", Ints{3, 3}}, {"pads", Ints{1, 1, 1, 1}}, {"group", int64_t{8}}})));
  }
  {
    CaseBuilder b("Conv 1x1 no bias f32[2,5,4,4]");
    ir::Value* x = b.input({2, 5, 4, 4});
    out.push_back(
        b.node(OpType::kConv, {x, b.weights({6, 5, 1, 1})}, attrs({{"kernel_shape", Ints{1, 1}}})));
  }
  return out;
}

Cases cases_BatchNormalization() {
  CaseBuilder b("BatchNormalization f32[1,4,5,5]");
  ir::Value* x = b.input({1, 4, 5, 5});
  return one(b.node(OpType::kBatchNormalization,
                    {x, b.weights({4}), b.weights({4}), b.weights({4}), b.weights({4}, 0.5f, 2.0f)},
                    attrs({{"epsilon", 1e-3f}})));
}

// Unary ops: one rank-4 and one rank-2 shape.
Cases unary(OpType op, ir::Attributes a = {}, float lo = -3.0f, float hi = 3.0f,
            double tolerance = 1e-6) {
  Cases out;
  for (const Ints& shape : {Ints{1, 3, 4, 5}, Ints{2, 16}}) {
    CaseBuilder b(std::string(ir::op_name(op)) + " f32" + dims(shape));
    ir::Value* x = b.input(shape, lo, hi);
    out.push_back(b.node(op, {x}, a, Layout::kNone, 1, tolerance));
  }
  return out;
}

Cases cases_Relu() {
  return unary(OpType::kRelu);
}
Cases cases_LeakyRelu() {
  return unary(OpType::kLeakyRelu, attrs({{"alpha", 0.1f}}));
}
Cases cases_HardSigmoid() {
  return unary(OpType::kHardSigmoid, attrs({{"alpha", 1.0f / 6}, {"beta", 0.5f}}), -5.0f, 5.0f);
}
Cases cases_HardSwish() {
  return unary(OpType::kHardSwish, {}, -5.0f, 5.0f);
}
Cases cases_Sigmoid() {
  return unary(OpType::kSigmoid, {}, -5.0f, 5.0f, kTranscendental);
}
Cases cases_Tanh() {
  return unary(OpType::kTanh, {}, -3.0f, 3.0f, kTranscendental);
}
Cases cases_Sqrt() {
  return unary(OpType::kSqrt, {}, 0.01f, 4.0f);
}
Cases cases_Identity() {
  return unary(OpType::kIdentity);
}
Cases cases_Dropout() {
  return unary(OpType::kDropout);
}

Cases cases_Clip() {
  Cases out;
  {
    CaseBuilder b("Clip [0,6] (ReLU6) f32[1,3,4,5]");
    ir::Value* x = b.input({1, 3, 4, 5}, -3.0f, 9.0f);
    out.push_back(b.node(OpType::kClip, {x, b.scalar(0.0f), b.scalar(6.0f)}));
  }
  {
    CaseBuilder b("Clip [-0.5,0.5] f32[2,16]");
    ir::Value* x = b.input({2, 16});
    out.push_back(b.node(OpType::kClip, {x, b.scalar(-0.5f), b.scalar(0.5f)}));
  }
  return out;
}

// Binary ops: a per-channel broadcast constant on a rank-4 tensor, and two same-shape inputs.
Cases binary(OpType op, float lo = -1.0f, float hi = 1.0f, double tolerance = 1e-6) {
  Cases out;
  const std::string name(ir::op_name(op));
  {
    CaseBuilder b(name + " f32[1,4,5,5] with const[4,1,1]");
    ir::Value* x = b.input({1, 4, 5, 5}, lo, hi);
    out.push_back(
        b.node(op, {x, b.weights({4, 1, 1}, 0.5f, 1.5f)}, {}, Layout::kNone, 1, tolerance));
  }
  {
    CaseBuilder b(name + " f32[2,3] x f32[2,3]");
    ir::Value* x = b.input({2, 3}, lo, hi);
    ir::Value* y = b.input({2, 3}, 0.5f, 1.5f);
    out.push_back(b.node(op, {x, y}, {}, Layout::kNone, 1, tolerance));
  }
  return out;
}

Cases cases_Add() {
  return binary(OpType::kAdd);
}
Cases cases_Sub() {
  return binary(OpType::kSub);
}
Cases cases_Mul() {
  return binary(OpType::kMul);
}
Cases cases_Div() {
  return binary(OpType::kDiv);
}
Cases cases_Pow() {
  return binary(OpType::kPow, 0.1f, 2.0f, kTranscendental);
}

Cases cases_GlobalAveragePool() {
  CaseBuilder b("GlobalAveragePool f32[1,6,5,5]");
  ir::Value* x = b.input({1, 6, 5, 5});
  return one(b.node(OpType::kGlobalAveragePool, {x}));
}

Cases cases_AveragePool() {
  Cases out;
  {
    CaseBuilder b("AveragePool 3x3 s2 p1 f32[1,4,7,7]");
    ir::Value* x = b.input({1, 4, 7, 7});
    out.push_back(b.node(OpType::kAveragePool, {x},
                         attrs({{"kernel_shape", Ints{3, 3}},
                                {"strides", Ints{2, 2}},
                                {"pads", Ints{1, 1, 1, 1}},
                                {"count_include_pad", int64_t{0}}})));
  }
  {
    CaseBuilder b("AveragePool 2x2 s2 f32[2,3,6,6]");
    ir::Value* x = b.input({2, 3, 6, 6});
    out.push_back(b.node(OpType::kAveragePool, {x},
                         attrs({{"kernel_shape", Ints{2, 2}}, {"strides", Ints{2, 2}}})));
  }
  return out;
}

Cases cases_MaxPool() {
  Cases out;
  {
    CaseBuilder b("MaxPool 2x2 s2 f32[1,4,6,6]");
    ir::Value* x = b.input({1, 4, 6, 6});
    out.push_back(b.node(OpType::kMaxPool, {x},
                         attrs({{"kernel_shape", Ints{2, 2}}, {"strides", Ints{2, 2}}})));
  }
  {
    CaseBuilder b("MaxPool 3x3 s1 p1 f32[1,3,5,5]");
    ir::Value* x = b.input({1, 3, 5, 5});
    out.push_back(b.node(OpType::kMaxPool, {x},
                         attrs({{"kernel_shape", Ints{3, 3}}, {"pads", Ints{1, 1, 1, 1}}})));
  }
  return out;
}

Cases cases_Flatten() {
  CaseBuilder b("Flatten axis=1 f32[2,3,4,4]");
  ir::Value* x = b.input({2, 3, 4, 4});
  return one(b.node(OpType::kFlatten, {x}, attrs({{"axis", int64_t{1}}})));
}

Cases cases_Reshape() {
  Cases out;
  {
    CaseBuilder b("Reshape f32[2,3,4,4] to [2,48]");
    ir::Value* x = b.input({2, 3, 4, 4});
    out.push_back(b.node(OpType::kReshape, {x, b.ints({2, 48})}));
  }
  {
    CaseBuilder b("Reshape f32[2,12] to [2,3,-1]");
    ir::Value* x = b.input({2, 12});
    out.push_back(b.node(OpType::kReshape, {x, b.ints({2, 3, -1})}));
  }
  return out;
}

Cases cases_Gemm() {
  Cases out;
  {
    CaseBuilder b("Gemm f32[2,8] x const[8,5] + const[5]");
    ir::Value* x = b.input({2, 8});
    out.push_back(b.node(OpType::kGemm, {x, b.weights({8, 5}), b.weights({5})}));
  }
  {
    CaseBuilder b("Gemm transB f32[3,6] x const[4,6]^T");
    ir::Value* x = b.input({3, 6});
    out.push_back(b.node(OpType::kGemm, {x, b.weights({4, 6})}, attrs({{"transB", int64_t{1}}})));
  }
  return out;
}

Cases cases_MatMul() {
  Cases out;
  {
    CaseBuilder b("MatMul f32[2,8] x const[8,5]");
    ir::Value* x = b.input({2, 8});
    out.push_back(b.node(OpType::kMatMul, {x, b.weights({8, 5})}));
  }
  {
    CaseBuilder b("MatMul f32[3,4] x f32[4,2]");
    ir::Value* x = b.input({3, 4});
    ir::Value* y = b.input({4, 2});
    out.push_back(b.node(OpType::kMatMul, {x, y}));
  }
  return out;
}

Cases cases_Concat() {
  CaseBuilder b("Concat axis=1 f32[1,2,3,3] f32[1,3,3,3]");
  ir::Value* x = b.input({1, 2, 3, 3});
  ir::Value* y = b.input({1, 3, 3, 3});
  return one(b.node(OpType::kConcat, {x, y}, attrs({{"axis", int64_t{1}}})));
}

Cases cases_Transpose() {
  Cases out;
  {
    CaseBuilder b("Transpose (0,2,3,1) f32[1,3,4,5]");
    ir::Value* x = b.input({1, 3, 4, 5});
    out.push_back(b.node(OpType::kTranspose, {x}, attrs({{"perm", Ints{0, 2, 3, 1}}})));
  }
  {
    CaseBuilder b("Transpose (1,0) f32[3,7]");
    ir::Value* x = b.input({3, 7});
    out.push_back(b.node(OpType::kTranspose, {x}, attrs({{"perm", Ints{1, 0}}})));
  }
  return out;
}

Cases cases_Split() {
  CaseBuilder b("Split axis=1 (2,4) f32[1,6,3,3]");
  ir::Value* x = b.input({1, 6, 3, 3});
  return one(
      b.node(OpType::kSplit, {x, b.ints({2, 4})}, attrs({{"axis", int64_t{1}}}), Layout::kNone, 2));
}

Cases cases_Slice() {
  CaseBuilder b("Slice axes (1,3) f32[1,6,5,5]");
  ir::Value* x = b.input({1, 6, 5, 5});
  return one(b.node(OpType::kSlice, {x, b.ints({1, 1}), b.ints({5, 4}), b.ints({1, 3})}));
}

Cases cases_Squeeze() {
  CaseBuilder b("Squeeze axes (2,3) f32[1,4,1,1]");
  ir::Value* x = b.input({1, 4, 1, 1});
  return one(b.node(OpType::kSqueeze, {x, b.ints({2, 3})}));
}

Cases cases_Unsqueeze() {
  CaseBuilder b("Unsqueeze axes (1) f32[2,4]");
  ir::Value* x = b.input({2, 4});
  return one(b.node(OpType::kUnsqueeze, {x, b.ints({1})}));
}

Cases cases_Shape() {
  CaseBuilder b("Shape f32[2,3,4]");
  ir::Value* x = b.input({2, 3, 4});
  return one(b.node(OpType::kShape, {x}));
}

Cases cases_Gather() {
  Cases out;
  {
    CaseBuilder b("Gather axis=1 idx[3] f32[2,6,3]");
    ir::Value* x = b.input({2, 6, 3});
    out.push_back(b.node(OpType::kGather, {x, b.ints({4, 0, 2})}, attrs({{"axis", int64_t{1}}})));
  }
  {
    CaseBuilder b("Gather axis=0 scalar idx f32[5,4]");
    ir::Value* x = b.input({5, 4});
    ir::Value* idx = b.constant(Tensor::FromVector<int64_t>(DType::kI64, {}, {3}));
    out.push_back(b.node(OpType::kGather, {x, idx}));
  }
  return out;
}

Cases cases_ConstantOfShape() {
  // Its input is a shape; fed as a constant the node has no graph input at all, so it reads the
  // shape of a real input instead (Shape -> ConstantOfShape would be two nodes): the one-node
  // model takes an i64 shape tensor as its input.
  CaseBuilder b("ConstantOfShape i64[2] -> f32 fill 1.5");
  ir::Value* shape = b.input_tensor(Tensor::FromVector<int64_t>(DType::kI64, {2}, {3, 4}));
  return one(b.node(OpType::kConstantOfShape, {shape},
                    attrs({{"value", Tensor::FromVector<float>(DType::kF32, {1}, {1.5f})}})));
}

Cases cases_Softmax() {
  Cases out;
  {
    CaseBuilder b("Softmax axis=-1 f32[2,10]");
    ir::Value* x = b.input({2, 10}, -4.0f, 4.0f);
    out.push_back(b.node(OpType::kSoftmax, {x}, attrs({{"axis", int64_t{-1}}}), Layout::kNone, 1,
                         kTranscendental));
  }
  {
    CaseBuilder b("Softmax axis=1 f32[1,5,3,3]");
    ir::Value* x = b.input({1, 5, 3, 3}, -4.0f, 4.0f);
    out.push_back(b.node(OpType::kSoftmax, {x}, attrs({{"axis", int64_t{1}}}), Layout::kNone, 1,
                         kTranscendental));
  }
  return out;
}

Cases cases_Pad() {
  CaseBuilder b("Pad constant (H 1+2, W 2+1) f32[1,3,4,4]");
  ir::Value* x = b.input({1, 3, 4, 4});
  return one(b.node(OpType::kPad, {x, b.ints({0, 0, 1, 2, 0, 0, 2, 1})},
                    attrs({{"mode", std::string("constant")}})));
}

Cases cases_ReduceMean() {
  Cases out;
  {
    CaseBuilder b("ReduceMean axes (2,3) keepdims f32[1,4,5,5]");
    ir::Value* x = b.input({1, 4, 5, 5});
    out.push_back(
        b.node(OpType::kReduceMean, {x}, attrs({{"axes", Ints{2, 3}}, {"keepdims", int64_t{1}}})));
  }
  {
    CaseBuilder b("ReduceMean axis 1 f32[2,6,3]");
    ir::Value* x = b.input({2, 6, 3});
    out.push_back(
        b.node(OpType::kReduceMean, {x}, attrs({{"axes", Ints{1}}, {"keepdims", int64_t{0}}})));
  }
  return out;
}

Cases cases_Cast() {
  Cases out;
  {
    CaseBuilder b("Cast f32[2,8] to f16");
    ir::Value* x = b.input({2, 8}, -100.0f, 100.0f);
    out.push_back(b.node(OpType::kCast, {x}, attrs({{"to", static_cast<int64_t>(DType::kF16)}}),
                         Layout::kNone, 1, 1e-6));
  }
  {
    CaseBuilder b("Cast f32[2,8] to i32");
    ir::Value* x = b.input({2, 8}, -100.0f, 100.0f);
    out.push_back(b.node(OpType::kCast, {x}, attrs({{"to", static_cast<int64_t>(DType::kI32)}})));
  }
  return out;
}

Cases cases_QuantizeLinear() {
  Cases out;
  for (DType type : {DType::kI8, DType::kU8}) {
    const bool s8 = type == DType::kI8;
    CaseBuilder b(std::string("QuantizeLinear f32[1,3,4,4] to ") + (s8 ? "i8" : "u8"));
    ir::Value* x = b.input({1, 3, 4, 4}, -2.0f, 2.0f);
    Tensor zero = s8 ? Tensor::FromVector<int8_t>(DType::kI8, {}, {3})
                     : Tensor::FromVector<uint8_t>(DType::kU8, {}, {128});
    // Rounding ties may differ by one step between runtimes: allow one step on a few elements.
    out.push_back(b.node(OpType::kQuantizeLinear, {x, b.scalar(0.02f), b.constant(zero)}, {},
                         Layout::kNone, 1, 1e-4));
  }
  return out;
}

Cases cases_DequantizeLinear() {
  CaseBuilder b("DequantizeLinear i8[2,3,4] to f32");
  std::vector<int8_t> q(24);
  for (size_t i = 0; i < q.size(); ++i) q[i] = static_cast<int8_t>(static_cast<int>(i * 11) - 128);
  ir::Value* x = b.input_tensor(Tensor::FromVector<int8_t>(DType::kI8, {2, 3, 4}, q));
  return one(
      b.node(OpType::kDequantizeLinear,
             {x, b.scalar(0.05f), b.constant(Tensor::FromVector<int8_t>(DType::kI8, {}, {-3}))}));
}

// One maker per op of the table, in table order: an op added without one does not compile.
using CaseMaker = Cases (*)();
constexpr CaseMaker kMakers[] = {
#define MCONV_OP_CASES_ROW(name, ...) &cases_##name,
    MCONV_IR_OPS(MCONV_OP_CASES_ROW)
#undef MCONV_OP_CASES_ROW
};
static_assert(std::size(kMakers) == ir::kOpTypeCount);

// ---------------------------------------------------------------- comparing
// sum((a-b)^2) / sum(b^2) over all outputs (b the reference); infinity on a shape mismatch.
double normalized_error(const std::vector<Tensor>& got, const std::vector<Tensor>& want) {
  if (got.size() != want.size()) return INFINITY;
  double err = 0, norm = 0;
  for (size_t k = 0; k < got.size(); ++k) {
    if (got[k].shape() != want[k].shape()) return INFINITY;
    const std::vector<float> a = got[k].to_f32(), b = want[k].to_f32();
    for (size_t i = 0; i < a.size(); ++i) {
      err += (double(a[i]) - b[i]) * (double(a[i]) - b[i]);
      norm += double(b[i]) * b[i];
    }
  }
  return norm > 0 ? err / norm : err;
}

// One cell of the grid.
struct Cell {
  // kRuntimeLimit: the runtime refuses the file for a documented limit of its own (LiteRT.js
  // takes no int8/int64/float16 tensors at the model's boundary), not for anything in the file.
  enum Kind { kPass, kFail, kNotExportable, kRuntimeLimit } kind = kFail;
  std::string text;  // the error value, or the reason
};

std::string short_message(std::string message) {
  if (message.size() > 90) message = message.substr(0, 87) + "...";
  for (char& ch : message)
    if (ch == '\n') ch = ' ';
  return message;
}

Cell compare(const Expected<std::vector<Tensor>>& got, const std::vector<Tensor>& want,
             double tolerance) {
  if (!got.ok()) return {Cell::kFail, "run failed: " + short_message(got.status().message())};
  const double e = normalized_error(*got, want);
  char buf[48];
  std::snprintf(buf, sizeof buf, "%.2g", e);
  return {e <= tolerance ? Cell::kPass : Cell::kFail, buf};
}

std::string cell_string(const Cell& c) {
  switch (c.kind) {
    case Cell::kPass:
      return "PASS " + c.text;
    case Cell::kFail:
      return "FAIL " + c.text;
    case Cell::kNotExportable:
      return "not exportable: " + c.text;
    case Cell::kRuntimeLimit:
      return "runtime limit: " + c.text;
  }
  return c.text;
}

Cell run_ort(const Case& c, const std::vector<Tensor>& want) {
  auto bytes = onnx::export_onnx(c.graph);
  if (!bytes.ok()) return {Cell::kNotExportable, short_message(bytes.status().message())};
  auto session = ort::OrtSession::LoadBytes(*bytes);
  if (!session.ok())
    return {Cell::kFail, "ORT refused the file: " + short_message(session.status().message())};
  return compare((*session)->run(c.inputs), want, c.tolerance);
}

TEST(OpBackends, EveryOpAgreesInOrtAndLiteRt) {
  std::vector<Case> cases;
  for (CaseMaker make : kMakers)
    for (Case& c : make()) cases.push_back(std::move(c));

  const std::string dir = test::make_temp_dir("op_backends");
  std::vector<std::vector<Tensor>> reference(cases.size());
  std::vector<Cell> ort_cells(cases.size()), litert_cells(cases.size());
  std::vector<litert::LiteRtJob> jobs;
  std::vector<size_t> job_case;  // case index of each LiteRT job
  for (size_t i = 0; i < cases.size(); ++i) {
    const Case& c = cases[i];
    auto interp = runtime::Interpreter::Create(c.graph);
    ASSERT_TRUE(interp.ok()) << c.label << ": " << interp.status().message();
    auto ref = (*interp)->run(c.inputs);
    ASSERT_TRUE(ref.ok()) << c.label << ": " << ref.status().message();
    reference[i] = std::move(*ref);
    ort_cells[i] = run_ort(c, reference[i]);

    // TFLite keeps the source's NCHW signature so the same inputs and outputs compare.
    tflite::TfliteExportOptions options;
    options.keep_nchw_input = true;
    options.keep_nchw_outputs = true;
    const std::string base = dir + "/case" + std::to_string(i);
    Status exported = tflite::export_tflite_file(c.graph, base + ".tflite", options);
    if (!exported.ok()) {
      litert_cells[i] = {Cell::kNotExportable, short_message(exported.message())};
      continue;
    }
    litert::LiteRtJob job{base + ".tflite", {}, base + ".out"};
    for (size_t k = 0; k < c.inputs.size(); ++k) {
      const std::string path = base + ".in" + std::to_string(k) + ".npy";
      ASSERT_TRUE(write_npy(path, c.inputs[k]).ok());
      job.inputs.push_back(path);
    }
    jobs.push_back(std::move(job));
    job_case.push_back(i);
  }

  // Every TFLite case through one Node process.
  std::string litert_missing;
  const bool have_litert = litert::litert_available(&litert_missing);
  if (!have_litert && test::in_ci()) FAIL() << "LiteRT runner missing under CI: " << litert_missing;
  Expected<litert::LiteRtJobsResult> run = Status::Error("LiteRT not available: " + litert_missing);
  if (have_litert && !jobs.empty()) run = litert::litert_run_jobs(jobs, dir, {.engine = "litert"});
  for (size_t j = 0; j < jobs.size(); ++j) {
    const size_t i = job_case[j];
    if (!run.ok()) {
      litert_cells[i] = {Cell::kFail, short_message(run.status().message())};
      continue;
    }
    if (!run->job_ok[j]) {
      // "<model>: litert: <what LiteRT.js said>"
      std::string message = run->job_message[j];
      if (const size_t at = message.find("litert: "); at != std::string::npos)
        message = message.substr(at + 8);
      const bool io_type_limit = message.find("Element type ") != std::string::npos &&
                                 message.find(" is not supported") != std::string::npos;
      litert_cells[i] = {io_type_limit ? Cell::kRuntimeLimit : Cell::kFail, short_message(message)};
      continue;
    }
    std::vector<Tensor> got;
    Status read = Status::Ok();
    for (size_t k = 0; k < reference[i].size() && read.ok(); ++k) {
      auto t = read_npy(jobs[j].out_prefix + "." + std::to_string(k) + ".npy");
      if (t.ok()) {
        got.push_back(std::move(*t));
      } else {
        read = t.status();
      }
    }
    litert_cells[i] = read.ok() ? compare(got, reference[i], cases[i].tolerance)
                                : Cell{Cell::kFail, short_message(read.message())};
  }

  // The grid, then one failure per mismatching cell.
  std::printf("\n%-48s | %-28s | %s\n", "op case (reference: mconv interpreter)", "ONNX Runtime",
              "LiteRT");
  std::printf("%s\n", std::string(48 + 3 + 28 + 3 + 60, '-').c_str());
  int pass = 0, fail = 0, not_exportable = 0, limit = 0;
  for (size_t i = 0; i < cases.size(); ++i) {
    std::printf("%-48s | %-28s | %s\n", cases[i].label.c_str(), cell_string(ort_cells[i]).c_str(),
                cell_string(litert_cells[i]).c_str());
    for (const Cell* cell : {&ort_cells[i], &litert_cells[i]}) {
      pass += cell->kind == Cell::kPass;
      fail += cell->kind == Cell::kFail;
      not_exportable += cell->kind == Cell::kNotExportable;
      limit += cell->kind == Cell::kRuntimeLimit;
    }
  }
  std::printf(
      "%zu cases over %d ops: %d PASS, %d FAIL, %d not exportable, %d runtime limit "
      "(normalized error = sum((x-ref)^2)/sum(ref^2))\n",
      cases.size(), ir::kOpTypeCount, pass, fail, not_exportable, limit);
  if (!have_litert) GTEST_SKIP() << "LiteRT runner missing: " << litert_missing;
  for (size_t i = 0; i < cases.size(); ++i) {
    EXPECT_NE(ort_cells[i].kind, Cell::kFail)
        << cases[i].label << " in ONNX Runtime: " << ort_cells[i].text;
    EXPECT_NE(litert_cells[i].kind, Cell::kFail)
        << cases[i].label << " in LiteRT: " << litert_cells[i].text;
  }
}

}  // namespace
}  // namespace mconv
