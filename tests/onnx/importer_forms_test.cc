// How the importer normalises ONNX forms (opset 11..18 variants, attribute defaults, initializer
// encodings, Constant nodes, declared types) into the canonical IR. These tests look at the raw
// import (no simplification) so that every conversion is visible.
#include <filesystem>
#include <fstream>

#include "core/file_io.h"
#include "core/half.h"
#include "ir/verifier.h"
#include "onnx_test_util.h"
#include "support/test_support.h"

namespace mconv::onnx::test {
namespace {

using DS = std::vector<DimSpec>;

OnnxImportOptions raw_import() {
  OnnxImportOptions o;
  o.fold_constants = false;
  o.infer_shapes = false;
  o.source_name = "forms.onnx";
  return o;
}

Expected<ir::Model> import_raw(const ModelBuilder& b, const std::string& base_dir = "") {
  return import_onnx_bytes(b.bytes(), base_dir, raw_import());
}

const ir::Node* only_node(const ir::Graph& g, ir::OpType op) {
  const ir::Node* found = nullptr;
  for (const auto& n : g.nodes())
    if (n->op == op) {
      if (found) return nullptr;
      found = n.get();
    }
  return found;
}

std::vector<int64_t> const_ints(const ir::Value* v) {
  if (!v || !v->constant) return {-999};
  return v->constant->to_i64();
}

TEST(ImporterForms, Opset11SqueezeUnsqueezeAxesBecomeConstantInputs) {
  ModelBuilder b(11);
  b.input("x", {int64_t{2}, int64_t{3}});
  attr(b.node("Unsqueeze", {"x"}, {"u"}, "unsq"), "axes", std::vector<int64_t>{0, 3});
  attr(b.node("Squeeze", {"u"}, {"s"}, "sq"), "axes", std::vector<int64_t>{0});
  b.node("Squeeze", {"s"}, {"y"}, "sq_all");
  b.output("y");
  auto m = import_raw(b);
  ASSERT_TRUE(m.ok()) << m.status().message();
  const ir::Node* u = m->graph.find_node("unsq");
  ASSERT_NE(u, nullptr);
  ASSERT_EQ(u->inputs.size(), 2u);
  EXPECT_EQ(u->inputs[1]->dtype, DType::kI64);
  EXPECT_EQ(const_ints(u->inputs[1]), (std::vector<int64_t>{0, 3}));
  const ir::Node* s = m->graph.find_node("sq");
  ASSERT_EQ(s->inputs.size(), 2u);
  EXPECT_EQ(const_ints(s->inputs[1]), (std::vector<int64_t>{0}));
  EXPECT_EQ(m->graph.find_node("sq_all")->inputs.size(), 1u);  // no axes: squeeze all 1-dims
  EXPECT_TRUE(ir::verify(m->graph).ok());
}

TEST(ImporterForms, SplitSizesFromAttributeInputAndOpset18NumOutputs) {
  {
    ModelBuilder b(11);
    b.input("x", {int64_t{1}, int64_t{6}});
    auto& n = b.node("Split", {"x"}, {"a", "b"}, "split");
    attr(n, "axis", int64_t{1});
    attr(n, "split", std::vector<int64_t>{2, 4});
    b.output("a").output("b");
    auto m = import_raw(b);
    ASSERT_TRUE(m.ok()) << m.status().message();
    const ir::Node* s = m->graph.find_node("split");
    ASSERT_EQ(s->inputs.size(), 2u);
    EXPECT_EQ(const_ints(s->inputs[1]), (std::vector<int64_t>{2, 4}));
    EXPECT_EQ(s->attrs.get_int("axis", -1), 1);
    EXPECT_EQ(s->outputs.size(), 2u);
  }
  {
    // Opset 18, 7 elements in 3 parts: ceil split 3,3,1 spelled out because the dim is known.
    ModelBuilder b(18);
    b.input("x", {int64_t{7}});
    attr(b.node("Split", {"x"}, {"a", "b", "c"}, "split"), "num_outputs", int64_t{3});
    b.output("a").output("b").output("c");
    auto m = import_raw(b);
    ASSERT_TRUE(m.ok()) << m.status().message();
    const ir::Node* s = m->graph.find_node("split");
    ASSERT_EQ(s->inputs.size(), 2u);
    EXPECT_EQ(const_ints(s->inputs[1]), (std::vector<int64_t>{3, 3, 1}));
  }
  {
    ModelBuilder b(18);
    b.input("x", {int64_t{6}});
    attr(b.node("Split", {"x"}, {"a", "b"}, "split"), "num_outputs", int64_t{3});
    b.output("a").output("b");
    auto m = import_raw(b);
    ASSERT_FALSE(m.ok());
    EXPECT_NE(m.status().message().find("num_outputs"), std::string::npos) << m.status().message();
  }
}

TEST(ImporterForms, ReduceMeanAxesInputOfOpset18BecomesAttribute) {
  ModelBuilder b(18);
  b.input("x", {int64_t{1}, int64_t{4}, int64_t{3}, int64_t{3}});
  b.ints("axes", {2, 3});
  attr(b.node("ReduceMean", {"x", "axes"}, {"m"}, "mean"), "keepdims", int64_t{0});
  attr(b.node("ReduceMean", {"m"}, {"y"}, "noop"), "noop_with_empty_axes", int64_t{1});
  b.output("y");
  auto m = import_raw(b);
  ASSERT_TRUE(m.ok()) << m.status().message();
  const ir::Node* mean = m->graph.find_node("mean");
  ASSERT_EQ(mean->op, ir::OpType::kReduceMean);
  EXPECT_EQ(mean->inputs.size(), 1u);
  EXPECT_EQ(mean->attrs.get_ints("axes"), (std::vector<int64_t>{2, 3}));
  EXPECT_EQ(mean->attrs.get_int("keepdims", -1), 0);
  EXPECT_EQ(m->graph.find_node("noop")->op, ir::OpType::kIdentity);
}

TEST(ImporterForms, ReduceMeanOpset13KeepsAttributesWithDefaults) {
  ModelBuilder b(13);
  b.input("x", {int64_t{1}, int64_t{4}, int64_t{3}, int64_t{3}});
  attr(b.node("ReduceMean", {"x"}, {"y"}, "mean"), "axes", std::vector<int64_t>{-1});
  b.output("y");
  auto m = import_raw(b);
  ASSERT_TRUE(m.ok()) << m.status().message();
  const ir::Node* mean = m->graph.find_node("mean");
  EXPECT_EQ(mean->attrs.get_ints("axes"), (std::vector<int64_t>{-1}));
  EXPECT_EQ(mean->attrs.get_int("keepdims", -1), 1);  // ONNX default written explicitly
}

TEST(ImporterForms, SoftmaxBeforeOpset13) {
  // After Gemm the input is 2-D, so axis 1 is the last axis: a plain Softmax.
  ModelBuilder b(11);
  b.input("x", {int64_t{1}, int64_t{4}});
  b.weight("w", {4, 5}, 1);
  b.node("Gemm", {"x", "w"}, {"g"}, "gemm");
  b.node("Softmax", {"g"}, {"y"}, "softmax");  // default axis 1 in opset 11
  b.output("y");
  auto m = import_raw(b);
  ASSERT_TRUE(m.ok()) << m.status().message();
  const ir::Node* s = m->graph.find_node("softmax");
  ASSERT_EQ(s->op, ir::OpType::kSoftmax);
  EXPECT_EQ(s->attrs.get_int("axis", 99), 1);

  // On a 4-D value of unknown rank at axis 1 it becomes Flatten -> Softmax(axis 1) -> Reshape.
  ModelBuilder b4(11);
  b4.input("x", {int64_t{1}, int64_t{3}, int64_t{4}, int64_t{5}});
  b4.node("Relu", {"x"}, {"r"}, "relu");
  b4.node("Identity", {"r"}, {"i"}, "id");
  b4.node("Sigmoid", {"i"}, {"s"}, "sig");
  b4.initializer("k", f32_scalar(2.0f));
  b4.node("Mul", {"s", "k"}, {"m"}, "mul");
  b4.node("Softmax", {"m"}, {"y"}, "softmax");
  b4.output("y");
  auto m4 = import_raw(b4);
  ASSERT_TRUE(m4.ok()) << m4.status().message();
  // Mul of a 4-D input and a scalar has a known rank (4), so axis 1 is not the last axis.
  const ir::Node* out = m4->graph.outputs[0]->producer;
  ASSERT_EQ(out->op, ir::OpType::kReshape);
  EXPECT_EQ(out->name, "softmax");
  const ir::Node* inner = out->inputs[0]->producer;
  ASSERT_EQ(inner->op, ir::OpType::kSoftmax);
  EXPECT_EQ(inner->attrs.get_int("axis", 99), 1);
  EXPECT_EQ(inner->inputs[0]->producer->op, ir::OpType::kFlatten);
  EXPECT_EQ(inner->inputs[0]->producer->attrs.get_int("axis", 99), 1);
  EXPECT_EQ(out->inputs[1]->producer->op, ir::OpType::kShape);
  EXPECT_TRUE(ir::verify(m4->graph).ok()) << ir::verify(m4->graph).message();
}

TEST(ImporterForms, ConvDefaultsAndKernelFromWeights) {
  ModelBuilder b(13);
  b.input("x", {int64_t{1}, int64_t{2}, int64_t{5}, int64_t{5}});
  b.weight("w", {4, 2, 3, 3}, 1);
  b.node("Conv", {"x", "w"}, {"y"}, "conv");
  b.output("y");
  auto m = import_raw(b);
  ASSERT_TRUE(m.ok()) << m.status().message();
  const ir::Node* c = m->graph.find_node("conv");
  EXPECT_EQ(c->layout, ir::Layout::kNCHW);
  EXPECT_EQ(c->attrs.get_ints("kernel_shape"), (std::vector<int64_t>{3, 3}));
  EXPECT_EQ(c->attrs.get_ints("strides"), (std::vector<int64_t>{1, 1}));
  EXPECT_EQ(c->attrs.get_ints("dilations"), (std::vector<int64_t>{1, 1}));
  EXPECT_EQ(c->attrs.get_ints("pads"), (std::vector<int64_t>{0, 0, 0, 0}));
  EXPECT_EQ(c->attrs.get_int("group", 0), 1);
  EXPECT_EQ(c->inputs.size(), 2u);
}

struct AutoPadCase {
  const char* mode;              // auto_pad value
  int64_t size, kernel, stride;  // input extent, kernel, stride (square)
  std::vector<int64_t> pads;     // expected [top, left, bottom, right]
};

TEST(ImporterForms, ConvAutoPadBecomesExplicitPadsAndMatchesOrt) {
  const AutoPadCase cases[] = {
      {"SAME_UPPER", 7, 3, 1, {1, 1, 1, 1}}, {"SAME_UPPER", 8, 3, 2, {0, 0, 1, 1}},
      {"SAME_LOWER", 8, 3, 2, {1, 1, 0, 0}}, {"SAME_UPPER", 7, 3, 2, {1, 1, 1, 1}},
      {"SAME_LOWER", 6, 4, 1, {2, 2, 1, 1}}, {"VALID", 7, 3, 2, {0, 0, 0, 0}},
  };
  for (const AutoPadCase& ap : cases) {
    SCOPED_TRACE(std::string(ap.mode) + " size " + std::to_string(ap.size) + " stride " +
                 std::to_string(ap.stride));
    ModelBuilder b(13);
    b.input("x", {int64_t{1}, int64_t{2}, ap.size, ap.size});
    b.weight("w", {3, 2, ap.kernel, ap.kernel}, 5);
    auto& n = b.node("Conv", {"x", "w"}, {"y"}, "conv");
    attr(n, "auto_pad", ap.mode);
    attr(n, "strides", std::vector<int64_t>{ap.stride, ap.stride});
    b.output("y");
    auto m = import_raw(b);
    ASSERT_TRUE(m.ok()) << m.status().message();
    const ir::Node* c = m->graph.find_node("conv");
    EXPECT_EQ(c->attrs.get_ints("pads"), ap.pads);
    EXPECT_FALSE(c->attrs.has("auto_pad"));
    // Numerically identical in ORT.
    const Tensor x = random_tensor({1, 2, ap.size, ap.size}, 9);
    auto expected = run_ort(b.bytes(), {x});
    ASSERT_TRUE(expected.ok()) << expected.status().message();
    auto exported = export_onnx(m->graph);
    ASSERT_TRUE(exported.ok()) << exported.status().message();
    auto actual = run_ort(*exported, {x});
    ASSERT_TRUE(actual.ok()) << actual.status().message();
    EXPECT_LE(compare(actual->at(0), expected->at(0)).max_abs, 1e-6f);
  }
}

TEST(ImporterForms, AutoPadWithStrideNeedsKnownInputSize) {
  ModelBuilder b(13);
  b.input("x", {int64_t{1}, int64_t{2}, std::string("H"), std::string("W")});
  b.weight("w", {3, 2, 3, 3}, 5);
  auto& n = b.node("Conv", {"x", "w"}, {"y"}, "conv");
  attr(n, "auto_pad", "SAME_UPPER");
  attr(n, "strides", std::vector<int64_t>{2, 2});
  b.output("y");
  auto m = import_raw(b);
  ASSERT_FALSE(m.ok());
  EXPECT_NE(m.status().message().find("forms.onnx: node 'conv' (Conv): auto_pad"),
            std::string::npos)
      << m.status().message();
}

TEST(ImporterForms, PoolAttributesAndDefaults) {
  ModelBuilder b(11);
  b.input("x", {int64_t{1}, int64_t{2}, int64_t{9}, int64_t{9}});
  auto& mp = b.node("MaxPool", {"x"}, {"m"}, "maxpool");
  attr(mp, "kernel_shape", std::vector<int64_t>{3, 3});
  attr(mp, "strides", std::vector<int64_t>{2, 2});
  attr(mp, "ceil_mode", int64_t{1});
  auto& ap = b.node("AveragePool", {"m"}, {"y"}, "avgpool");
  attr(ap, "kernel_shape", std::vector<int64_t>{2, 2});
  attr(ap, "auto_pad", "SAME_UPPER");
  b.output("y");
  auto m = import_raw(b);
  ASSERT_TRUE(m.ok()) << m.status().message();
  const ir::Node* max = m->graph.find_node("maxpool");
  EXPECT_EQ(max->layout, ir::Layout::kNCHW);
  EXPECT_EQ(max->attrs.get_int("ceil_mode", -1), 1);
  EXPECT_EQ(max->attrs.get_ints("pads"), (std::vector<int64_t>{0, 0, 0, 0}));
  const ir::Node* avg = m->graph.find_node("avgpool");
  EXPECT_EQ(avg->attrs.get_ints("pads"), (std::vector<int64_t>{0, 0, 1, 1}));
  EXPECT_EQ(avg->attrs.get_int("count_include_pad", -1), 0);
  EXPECT_EQ(avg->attrs.get_ints("strides"), (std::vector<int64_t>{1, 1}));
}

TEST(ImporterForms, ActivationDefaultsAreWrittenExplicitly) {
  ModelBuilder b(13);
  b.input("x", {int64_t{4}});
  b.node("LeakyRelu", {"x"}, {"a"}, "leaky");
  b.node("HardSigmoid", {"a"}, {"b"}, "hsig");
  b.node("Gemm", {"b", "b"}, {"c"}, "gemm");  // attributes only; shapes are not checked here
  b.node("Flatten", {"c"}, {"y"}, "flatten");
  b.output("y");
  auto m = import_raw(b);
  ASSERT_TRUE(m.ok()) << m.status().message();
  EXPECT_FLOAT_EQ(m->graph.find_node("leaky")->attrs.get_float("alpha", 0), 0.01f);
  EXPECT_FLOAT_EQ(m->graph.find_node("hsig")->attrs.get_float("alpha", 0), 0.2f);
  EXPECT_FLOAT_EQ(m->graph.find_node("hsig")->attrs.get_float("beta", 0), 0.5f);
  const ir::Node* gemm = m->graph.find_node("gemm");
  EXPECT_FLOAT_EQ(gemm->attrs.get_float("alpha", 0), 1.0f);
  EXPECT_FLOAT_EQ(gemm->attrs.get_float("beta", 0), 1.0f);
  EXPECT_EQ(gemm->attrs.get_int("transA", -1), 0);
  EXPECT_EQ(gemm->attrs.get_int("transB", -1), 0);
  EXPECT_EQ(m->graph.find_node("flatten")->attrs.get_int("axis", -1), 1);
}

TEST(ImporterForms, ClipBoundsFromOldAttributesBecomeInputs) {
  // Some exporters keep opset-6 style min/max attributes in opset-11 files.
  ModelBuilder b(11);
  b.input("x", {int64_t{4}});
  auto& n = b.node("Clip", {"x"}, {"y"}, "clip");
  attr(n, "min", 0.0f);
  attr(n, "max", 6.0f);
  b.output("y");
  auto m = import_raw(b);
  ASSERT_TRUE(m.ok()) << m.status().message();
  const ir::Node* c = m->graph.find_node("clip");
  ASSERT_EQ(c->inputs.size(), 3u);
  EXPECT_EQ(c->inputs[1]->constant->to_f32(), std::vector<float>{0.0f});
  EXPECT_EQ(c->inputs[2]->constant->to_f32(), std::vector<float>{6.0f});
  EXPECT_TRUE(c->attrs.all().empty());
}

TEST(ImporterForms, CastTargetIsAnMconvDType) {
  ModelBuilder b(13);
  b.input("x", {int64_t{4}});
  attr(b.node("Cast", {"x"}, {"h"}, "to_half"), "to", int64_t{::onnx::TensorProto::FLOAT16});
  attr(b.node("Cast", {"h"}, {"y"}, "to_i64"), "to", int64_t{::onnx::TensorProto::INT64});
  b.output("y", {}, ::onnx::TensorProto::INT64);
  auto m = import_raw(b);
  ASSERT_TRUE(m.ok()) << m.status().message();
  EXPECT_EQ(m->graph.find_node("to_half")->attrs.get_int("to", 0), int64_t(DType::kF16));
  EXPECT_EQ(m->graph.find_value("h")->dtype, DType::kF16);
  EXPECT_EQ(m->graph.find_value("y")->dtype, DType::kI64);

  ModelBuilder bad(13);
  bad.input("x", {int64_t{4}});
  attr(bad.node("Cast", {"x"}, {"y"}, "to_double"), "to", int64_t{::onnx::TensorProto::DOUBLE});
  bad.output("y");
  auto e = import_raw(bad);
  ASSERT_FALSE(e.ok());
  EXPECT_NE(e.status().message().find("DOUBLE"), std::string::npos) << e.status().message();
}

TEST(ImporterForms, PadOpset18AxesExpandToFullPads) {
  ModelBuilder b(18);
  b.input("x", {int64_t{1}, int64_t{2}, int64_t{3}, int64_t{3}});
  b.ints("pads", {1, 2, 3, 4});  // axes 2,3: begin 1,2 end 3,4
  b.ints("axes", {2, -1});
  b.initializer("value", f32_scalar(0.5f));
  b.node("Pad", {"x", "pads", "value", "axes"}, {"y"}, "pad");
  b.output("y");
  auto m = import_raw(b);
  ASSERT_TRUE(m.ok()) << m.status().message();
  const ir::Node* p = m->graph.find_node("pad");
  ASSERT_EQ(p->inputs.size(), 3u);
  EXPECT_EQ(const_ints(p->inputs[1]), (std::vector<int64_t>{0, 0, 1, 2, 0, 0, 3, 4}));
  EXPECT_EQ(p->attrs.get_string("mode", ""), "constant");
  const Tensor x = random_tensor({1, 2, 3, 3}, 4);
  auto expected = run_ort(b.bytes(), {x});
  ASSERT_TRUE(expected.ok()) << expected.status().message();
  // With simplification (shape inference) the export passes the checker too.
  auto simplified = import_onnx_bytes(b.bytes(), "");
  ASSERT_TRUE(simplified.ok()) << simplified.status().message();
  auto exported = export_onnx(simplified->graph);
  ASSERT_TRUE(exported.ok()) << exported.status().message();
  ASSERT_TRUE(check_onnx_bytes(*exported).ok()) << check_onnx_bytes(*exported).message();
  auto actual = run_ort(*exported, {x});
  ASSERT_TRUE(actual.ok()) << actual.status().message();
  EXPECT_EQ(compare(actual->at(0), expected->at(0)).max_abs, 0.0f);
}

TEST(ImporterForms, ConstantNodesBecomeIrConstants) {
  ModelBuilder b(13);
  b.input("x", {int64_t{3}});
  auto add_const = [&](const std::string& name, auto fill) {
    auto& n = b.node("Constant", {}, {name}, name + "_node");
    fill(n.add_attribute());
  };
  add_const("c_tensor", [](::onnx::AttributeProto* a) {
    a->set_name("value");
    a->set_type(::onnx::AttributeProto::TENSOR);
    a->mutable_t()->set_data_type(::onnx::TensorProto::FLOAT);
    a->mutable_t()->add_dims(3);
    for (float v : {1.0f, 2.0f, 3.0f}) a->mutable_t()->add_float_data(v);
  });
  add_const("c_float", [](::onnx::AttributeProto* a) {
    a->set_name("value_float");
    a->set_type(::onnx::AttributeProto::FLOAT);
    a->set_f(2.5f);
  });
  add_const("c_floats", [](::onnx::AttributeProto* a) {
    a->set_name("value_floats");
    a->set_type(::onnx::AttributeProto::FLOATS);
    a->add_floats(1.5f);
    a->add_floats(-1.5f);
  });
  add_const("c_int", [](::onnx::AttributeProto* a) {
    a->set_name("value_int");
    a->set_type(::onnx::AttributeProto::INT);
    a->set_i(7);
  });
  add_const("c_ints", [](::onnx::AttributeProto* a) {
    a->set_name("value_ints");
    a->set_type(::onnx::AttributeProto::INTS);
    a->add_ints(4);
    a->add_ints(5);
  });
  b.node("Add", {"x", "c_tensor"}, {"y"}, "add");
  b.output("y");
  auto m = import_raw(b);
  ASSERT_TRUE(m.ok()) << m.status().message();
  for (const auto& n : m->graph.nodes()) EXPECT_NE(n->op, ir::OpType::kIdentity);
  EXPECT_EQ(m->graph.nodes().size(), 1u);  // only Add: Constant nodes are gone
  const ir::Value* t = m->graph.find_value("c_tensor");
  ASSERT_TRUE(t && t->constant);
  EXPECT_EQ(t->constant->to_f32(), (std::vector<float>{1, 2, 3}));
  const ir::Value* f = m->graph.find_value("c_float");
  ASSERT_TRUE(f && f->constant);
  EXPECT_EQ(f->constant->shape(), std::vector<int64_t>{});
  EXPECT_EQ(f->constant->to_f32(), std::vector<float>{2.5f});
  EXPECT_EQ(m->graph.find_value("c_floats")->constant->to_f32(), (std::vector<float>{1.5f, -1.5f}));
  const ir::Value* i = m->graph.find_value("c_int");
  EXPECT_EQ(i->dtype, DType::kI64);
  EXPECT_EQ(i->constant->to_i64(), std::vector<int64_t>{7});
  EXPECT_EQ(m->graph.find_value("c_ints")->constant->to_i64(), (std::vector<int64_t>{4, 5}));
}

// Every encoding of initializer data ONNX allows decodes to the same values.
TEST(ImporterForms, InitializerEncodings) {
  ModelBuilder b(13);
  b.input("x", {int64_t{2}});
  auto& g = b.graph();
  auto add = [&](const std::string& name, int32_t type, std::vector<int64_t> dims) {
    ::onnx::TensorProto* t = g.add_initializer();
    t->set_name(name);
    t->set_data_type(type);
    for (int64_t d : dims) t->add_dims(d);
    b.node("Identity", {name}, {name + "_out"}, name + "_id");
    b.output(name + "_out", {}, type);
    return t;
  };
  auto* f = add("f32_typed", ::onnx::TensorProto::FLOAT, {2});
  f->add_float_data(1.5f);
  f->add_float_data(-2.0f);
  auto* i64 = add("i64_typed", ::onnx::TensorProto::INT64, {3});
  for (int64_t v : {INT64_MIN, int64_t{0}, INT64_MAX}) i64->add_int64_data(v);
  auto* i32 = add("i32_typed", ::onnx::TensorProto::INT32, {2});
  i32->add_int32_data(-7);
  i32->add_int32_data(1 << 30);
  auto* i8 = add("i8_typed", ::onnx::TensorProto::INT8, {2});
  i8->add_int32_data(-128);
  i8->add_int32_data(127);
  auto* u8 = add("u8_typed", ::onnx::TensorProto::UINT8, {2});
  u8->add_int32_data(0);
  u8->add_int32_data(255);
  auto* bl = add("bool_typed", ::onnx::TensorProto::BOOL, {2});
  bl->add_int32_data(1);
  bl->add_int32_data(0);
  auto* h = add("f16_typed", ::onnx::TensorProto::FLOAT16, {2});
  h->add_int32_data(float_to_half(0.5f));
  h->add_int32_data(float_to_half(-3.25f));
  auto* raw = add("f16_raw", ::onnx::TensorProto::FLOAT16, {2});
  const uint16_t halves[2] = {float_to_half(0.5f), float_to_half(-3.25f)};
  raw->set_raw_data(halves, sizeof halves);
  auto* scalar = add("f32_scalar_raw", ::onnx::TensorProto::FLOAT, {});
  const float one = 1.0f;
  scalar->set_raw_data(&one, sizeof one);
  auto* empty = add("f32_empty", ::onnx::TensorProto::FLOAT, {0, 3});
  (void)empty;
  b.node("Identity", {"x"}, {"y"}, "xid");
  b.output("y");

  auto m = import_raw(b);
  ASSERT_TRUE(m.ok()) << m.status().message();
  auto c = [&](const std::string& name) { return m->graph.find_value(name)->constant; };
  EXPECT_EQ(c("f32_typed")->to_f32(), (std::vector<float>{1.5f, -2.0f}));
  EXPECT_EQ(c("i64_typed")->to_i64(), (std::vector<int64_t>{INT64_MIN, 0, INT64_MAX}));
  EXPECT_EQ(c("i32_typed")->dtype(), DType::kI32);
  EXPECT_EQ(c("i32_typed")->to_i64(), (std::vector<int64_t>{-7, 1 << 30}));
  EXPECT_EQ(c("i8_typed")->to_i64(), (std::vector<int64_t>{-128, 127}));
  EXPECT_EQ(c("u8_typed")->to_i64(), (std::vector<int64_t>{0, 255}));
  EXPECT_EQ(c("bool_typed")->dtype(), DType::kBool);
  EXPECT_EQ(c("bool_typed")->to_i64(), (std::vector<int64_t>{1, 0}));
  EXPECT_EQ(c("f16_typed")->dtype(), DType::kF16);
  EXPECT_EQ(c("f16_typed")->to_f32(), (std::vector<float>{0.5f, -3.25f}));
  EXPECT_EQ(c("f16_raw")->bytes(), c("f16_typed")->bytes());
  EXPECT_EQ(c("f32_scalar_raw")->shape(), std::vector<int64_t>{});
  EXPECT_EQ(c("f32_empty")->element_count(), 0);
}

TEST(ImporterForms, ExternalDataInsideTheModelDirectory) {
  const std::string dir = mconv::test::make_temp_dir("onnx_external_ok");
  const float values[6] = {1, 2, 3, 4, 5, 6};
  {
    std::ofstream f(dir + "/weights.bin", std::ios::binary);
    const char pad[16] = {};
    f.write(pad, sizeof pad);  // data starts at offset 16
    f.write(reinterpret_cast<const char*>(values), sizeof values);
  }
  std::filesystem::create_directories(dir + "/sub");
  std::filesystem::copy_file(dir + "/weights.bin", dir + "/sub/w.bin");
  ModelBuilder b(13);
  b.input("x", {int64_t{2}, int64_t{3}});
  auto external = [&](const std::string& name, const std::string& location, const char* offset,
                      const char* length) {
    ::onnx::TensorProto* t = b.graph().add_initializer();
    t->set_name(name);
    t->set_data_type(::onnx::TensorProto::FLOAT);
    t->add_dims(2);
    t->add_dims(3);
    t->set_data_location(::onnx::TensorProto::EXTERNAL);
    auto kv = [&](const char* k, const char* v) {
      auto* e = t->add_external_data();
      e->set_key(k);
      e->set_value(v);
    };
    kv("location", location.c_str());
    if (offset) kv("offset", offset);
    if (length) kv("length", length);
  };
  external("w1", "weights.bin", "16", "24");
  external("w2", "./sub/w.bin", "16", nullptr);  // length = rest of the file
  b.node("Add", {"x", "w1"}, {"a"}, "add1");
  b.node("Add", {"a", "w2"}, {"y"}, "add2");
  b.output("y");
  const std::string path = dir + "/model.onnx";
  ASSERT_TRUE(write_file_atomic(path, b.bytes()).ok());
  OnnxImportOptions options = raw_import();
  auto m = import_onnx_file(path, options);
  ASSERT_TRUE(m.ok()) << m.status().message();
  const std::vector<float> expected(values, values + 6);
  EXPECT_EQ(m->graph.find_value("w1")->constant->to_f32(), expected);
  EXPECT_EQ(m->graph.find_value("w2")->constant->to_f32(), expected);
  // Bytes without a directory cannot use external data.
  auto no_dir = import_onnx_bytes(b.bytes(), "", options);
  ASSERT_FALSE(no_dir.ok());
  EXPECT_NE(no_dir.status().message().find("initializer 'w1'"), std::string::npos);
}

TEST(ImporterForms, GraphInputWithInitializerIsAConstant) {
  ModelBuilder b(13);
  b.input("x", {int64_t{2}});
  b.input("bias", {int64_t{2}});  // IR < 4 style: an input with a default value
  b.initializer("bias", Tensor::FromVector<float>(DType::kF32, {2}, {1.0f, 2.0f}));
  b.node("Add", {"x", "bias"}, {"y"}, "add");
  b.output("y");
  auto m = import_raw(b);
  ASSERT_TRUE(m.ok()) << m.status().message();
  ASSERT_EQ(m->graph.inputs.size(), 1u);
  EXPECT_EQ(m->graph.inputs[0]->name, "x");
  EXPECT_TRUE(m->graph.find_value("bias")->is_constant());
}

TEST(ImporterForms, DeclaredTypesAndSymbolicDimsAreKept) {
  ModelBuilder b(13);
  b.input("x", {std::string("batch"), int64_t{3}, std::string(""), int64_t{4}});
  b.node("Relu", {"x"}, {"r"}, "relu");
  b.node("Sigmoid", {"r"}, {"y"}, "sigmoid");
  ModelBuilder::set_type(b.graph().add_value_info(), "r", ::onnx::TensorProto::FLOAT,
                         {std::string("batch"), int64_t{3}, int64_t{7}, int64_t{4}});
  b.output("y", {std::string("batch"), int64_t{3}, int64_t{7}, int64_t{4}});
  auto m = import_raw(b);
  ASSERT_TRUE(m.ok()) << m.status().message();
  const ir::Value* x = m->graph.inputs[0];
  ASSERT_TRUE(x->has_shape);
  ASSERT_EQ(x->shape.size(), 4u);
  EXPECT_EQ(x->shape[0].symbol, "batch");
  EXPECT_FALSE(x->shape[0].known());
  EXPECT_FALSE(x->shape[2].known());
  EXPECT_EQ(x->shape[3].size, 4);
  const ir::Value* r = m->graph.find_value("r");
  EXPECT_EQ(ir::shape_string(r->shape), "[batch,3,7,4]");
  EXPECT_EQ(m->graph.outputs[0]->dtype, DType::kF32);
  EXPECT_EQ(ir::shape_string(m->graph.outputs[0]->shape), "[batch,3,7,4]");
}

TEST(ImporterForms, UnsortedNodesAreOrdered) {
  ModelBuilder b(13);
  b.input("x", {int64_t{2}});
  b.node("Sigmoid", {"r"}, {"y"}, "second");
  b.node("Relu", {"x"}, {"r"}, "first");
  b.output("y");
  auto m = import_raw(b);
  ASSERT_TRUE(m.ok()) << m.status().message();
  ASSERT_EQ(m->graph.nodes().size(), 2u);
  EXPECT_EQ(m->graph.nodes()[0]->name, "first");
  EXPECT_TRUE(ir::verify(m->graph).ok());
}

TEST(ImporterForms, InferenceOnlyChecks) {
  {
    ModelBuilder b(13);
    b.input("x", {int64_t{2}});
    b.initializer("ratio", f32_scalar(0.5f));
    b.initializer("train", Tensor::FromVector<uint8_t>(DType::kBool, {}, {1}));
    b.node("Dropout", {"x", "ratio", "train"}, {"y"}, "drop");
    b.output("y");
    auto m = import_raw(b);
    ASSERT_FALSE(m.ok());
    EXPECT_NE(m.status().message().find("node 'drop' (Dropout): training_mode"), std::string::npos)
        << m.status().message();
  }
  {
    ModelBuilder b(13);
    b.input("x", {int64_t{2}});
    b.node("Dropout", {"x"}, {"y", "mask"}, "drop");
    b.output("y").output("mask", {}, ::onnx::TensorProto::BOOL);
    auto m = import_raw(b);
    ASSERT_FALSE(m.ok());
    EXPECT_NE(m.status().message().find("'mask'"), std::string::npos) << m.status().message();
  }
}

TEST(ImporterForms, OpMustExistInTheDeclaredOpset) {
  ModelBuilder b(13);
  b.input("x", {int64_t{2}});
  b.node("HardSwish", {"x"}, {"y"}, "hs");
  b.output("y");
  auto m = import_raw(b);
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.status().message(),
            "forms.onnx: node 'hs' (HardSwish): op HardSwish needs opset >= 14, the file "
            "declares 13");
}

TEST(ImporterForms, SimplificationFoldsShapeArithmetic) {
  // Shape -> Gather -> Unsqueeze -> Concat -> Reshape with static shapes folds to a constant
  // shape input once the passes have run.
  ModelBuilder b(13);
  b.input("x", {int64_t{2}, int64_t{3}, int64_t{4}});
  b.node("Shape", {"x"}, {"s"}, "shape");
  b.initializer("zero", Tensor::FromVector<int64_t>(DType::kI64, {}, {0}));
  b.node("Gather", {"s", "zero"}, {"n"}, "gather");
  b.ints("axes", {0});
  b.node("Unsqueeze", {"n", "axes"}, {"n1"}, "unsqueeze");
  b.ints("rest", {-1});
  attr(b.node("Concat", {"n1", "rest"}, {"shape2"}, "concat"), "axis", int64_t{0});
  b.node("Reshape", {"x", "shape2"}, {"y"}, "reshape");
  b.output("y");
  auto m = import_onnx_bytes(b.bytes(), "");
  ASSERT_TRUE(m.ok()) << m.status().message();
  ASSERT_EQ(m->graph.nodes().size(), 1u);
  const ir::Node* r = m->graph.nodes()[0].get();
  EXPECT_EQ(r->op, ir::OpType::kReshape);
  ASSERT_TRUE(r->inputs[1]->is_constant());
  EXPECT_EQ(r->inputs[1]->constant->to_i64(), (std::vector<int64_t>{2, -1}));
  EXPECT_EQ(ir::shape_string(m->graph.outputs[0]->shape), "[2,12]");
}

}  // namespace
}  // namespace mconv::onnx::test
