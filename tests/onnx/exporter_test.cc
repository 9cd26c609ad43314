// The ONNX exporter: opset handling (13..18, IR version per opset), canonical IR forms converted
// to the target opset, names and types preserved, layouts and quantization ONNX cannot express
// rejected with clear errors, and check_onnx_bytes reporting checker failures as Status.
#include "core/file_io.h"
#include "onnx_test_util.h"
#include "support/test_support.h"

namespace mconv::onnx::test {
namespace {

::onnx::ModelProto parse(const std::vector<uint8_t>& bytes) {
  ::onnx::ModelProto m;
  EXPECT_TRUE(m.ParseFromArray(bytes.data(), static_cast<int>(bytes.size())));
  return m;
}

const ::onnx::NodeProto* find_node(const ::onnx::ModelProto& m, const std::string& op) {
  for (const auto& n : m.graph().node())
    if (n.op_type() == op) return &n;
  return nullptr;
}

const ::onnx::AttributeProto* find_attr(const ::onnx::NodeProto& n, const std::string& name) {
  for (const auto& a : n.attribute())
    if (a.name() == name) return &a;
  return nullptr;
}

// x[1,4,3,3] -> Conv -> HardSwish -> ReduceMean(axes [2,3]) -> y, built directly in the IR.
ir::Graph small_graph() {
  ir::Graph g;
  g.name = "small";
  ir::Value* x = g.add_value("input_image", DType::kF32,
                             {ir::Dim{-1, "batch"}, ir::Dim{4}, ir::Dim{3}, ir::Dim{3}});
  g.inputs.push_back(x);
  ir::Value* w = g.add_constant("conv.weight", random_tensor({4, 4, 1, 1}, 3));
  ir::Value* c = g.add_value("conv_out", DType::kF32,
                             {ir::Dim{-1, "batch"}, ir::Dim{4}, ir::Dim{3}, ir::Dim{3}});
  ir::Node* conv = g.add_node(ir::OpType::kConv, "conv", {x, w}, {c});
  conv->layout = ir::Layout::kNCHW;
  conv->attrs.set("kernel_shape", std::vector<int64_t>{1, 1});
  conv->attrs.set("strides", std::vector<int64_t>{1, 1});
  conv->attrs.set("pads", std::vector<int64_t>{0, 0, 0, 0});
  conv->attrs.set("dilations", std::vector<int64_t>{1, 1});
  conv->attrs.set("group", int64_t{1});
  ir::Value* h = g.add_value("hswish_out", DType::kF32, c->shape);
  g.add_node(ir::OpType::kHardSwish, "hswish", {c}, {h});
  ir::Value* y = g.add_value("pooled", DType::kF32,
                             {ir::Dim{-1, "batch"}, ir::Dim{4}, ir::Dim{1}, ir::Dim{1}});
  ir::Node* mean = g.add_node(ir::OpType::kReduceMean, "mean", {h}, {y});
  mean->attrs.set("axes", std::vector<int64_t>{2, 3});
  mean->attrs.set("keepdims", int64_t{1});
  g.outputs.push_back(y);
  return g;
}

TEST(Exporter, DefaultIsOpset17WithIrVersion8AndKeepsNames) {
  ir::Graph g = small_graph();
  auto bytes = export_onnx(g);
  ASSERT_TRUE(bytes.ok()) << bytes.status().message();
  ASSERT_TRUE(check_onnx_bytes(*bytes).ok()) << check_onnx_bytes(*bytes).message();
  const ::onnx::ModelProto m = parse(*bytes);
  EXPECT_EQ(m.ir_version(), 8);
  ASSERT_EQ(m.opset_import_size(), 1);
  EXPECT_EQ(m.opset_import(0).domain(), "");
  EXPECT_EQ(m.opset_import(0).version(), 17);
  EXPECT_EQ(m.producer_name(), "mconv");
  EXPECT_EQ(m.graph().input(0).name(), "input_image");
  EXPECT_EQ(m.graph().input(0).type().tensor_type().shape().dim(0).dim_param(), "batch");
  EXPECT_EQ(m.graph().output(0).name(), "pooled");
  ASSERT_EQ(m.graph().initializer_size(), 1);
  EXPECT_EQ(m.graph().initializer(0).name(), "conv.weight");
  EXPECT_EQ(m.graph().initializer(0).raw_data().size(), 16u * 4);
  EXPECT_EQ(m.graph().initializer(0).float_data_size(), 0);
  // Intermediate shapes travel as value_info.
  std::vector<std::string> infos;
  for (const auto& vi : m.graph().value_info()) infos.push_back(vi.name());
  EXPECT_EQ(infos, (std::vector<std::string>{"conv_out", "hswish_out"}));
  EXPECT_NE(find_node(m, "HardSwish"), nullptr);
  const ::onnx::NodeProto* mean = find_node(m, "ReduceMean");
  ASSERT_NE(mean, nullptr);
  EXPECT_EQ(mean->input_size(), 1);
  ASSERT_NE(find_attr(*mean, "axes"), nullptr);
}

TEST(Exporter, OpsetSpecificForms) {
  ir::Graph g = small_graph();
  const Tensor x = random_tensor({2, 4, 3, 3}, 11, 4.0f);
  std::vector<Tensor> reference;
  for (int opset = 13; opset <= 18; ++opset) {
    SCOPED_TRACE("opset " + std::to_string(opset));
    auto bytes = export_checked(g, opset);
    ASSERT_TRUE(bytes.ok()) << bytes.status().message();
    const ::onnx::ModelProto m = parse(*bytes);
    EXPECT_EQ(m.ir_version(), opset <= 14 ? 7 : 8);
    // HardSwish exists from opset 14; before, x * HardSigmoid(x, 1/6, 0.5).
    EXPECT_EQ(find_node(m, "HardSwish") != nullptr, opset >= 14);
    EXPECT_EQ(find_node(m, "HardSigmoid") != nullptr, opset < 14);
    // ReduceMean's axes became an input in opset 18.
    const ::onnx::NodeProto* mean = find_node(m, "ReduceMean");
    ASSERT_NE(mean, nullptr);
    EXPECT_EQ(mean->input_size(), opset >= 18 ? 2 : 1);
    EXPECT_EQ(find_attr(*mean, "axes") != nullptr, opset < 18);
    auto out = run_ort(*bytes, {x});
    ASSERT_TRUE(out.ok()) << out.status().message();
    if (reference.empty()) reference = *out;
    EXPECT_LE(compare(out->at(0), reference[0]).max_abs, 1e-6f);
  }
}

TEST(Exporter, RejectsUnsupportedOpsets) {
  ir::Graph g = small_graph();
  for (int opset : {11, 12, 19}) {
    OnnxExportOptions options;
    options.opset = opset;
    auto bytes = export_onnx(g, options);
    ASSERT_FALSE(bytes.ok());
    EXPECT_NE(bytes.status().message().find("opset " + std::to_string(opset)), std::string::npos);
  }
}

TEST(Exporter, NhwcNodesAreRejected) {
  ir::Graph g = small_graph();
  const_cast<ir::Node*>(g.find_node("conv"))->layout = ir::Layout::kNHWC;
  auto bytes = export_onnx(g);
  ASSERT_FALSE(bytes.ok());
  EXPECT_NE(bytes.status().message().find("node 'conv' (Conv): has layout NHWC"), std::string::npos)
      << bytes.status().message();
}

TEST(Exporter, AttributesWithoutOnnxMeaningAreRejected) {
  ir::Graph g = small_graph();
  g.find_node("conv")->attrs.set("fused_activation", std::string("relu"));
  auto bytes = export_onnx(g);
  ASSERT_FALSE(bytes.ok());
  EXPECT_NE(bytes.status().message().find("attribute 'fused_activation' has no ONNX equivalent"),
            std::string::npos)
      << bytes.status().message();
}

TEST(Exporter, QuantizedTensorsNeedQdqNodes) {
  ir::Graph g = small_graph();
  g.find_value("conv_out")->quant = ir::QuantParams{{0.1f}, {0}, -1};
  auto bytes = export_onnx(g);
  ASSERT_FALSE(bytes.ok());
  EXPECT_NE(bytes.status().message().find("quantized tensor 'conv_out'"), std::string::npos)
      << bytes.status().message();
}

TEST(Exporter, CastTargetsAndConstantOutputs) {
  ir::Graph g;
  ir::Value* x = g.add_value("x", DType::kF32, ir::make_shape({3}));
  g.inputs.push_back(x);
  ir::Value* h = g.add_value("h", DType::kF16, ir::make_shape({3}));
  g.add_node(ir::OpType::kCast, "cast", {x}, {h})->attrs.set("to", int64_t(DType::kF16));
  ir::Value* k = g.add_constant("k", Tensor::FromVector<int64_t>(DType::kI64, {2}, {4, 5}));
  g.outputs = {h, k};
  auto bytes = export_onnx(g);
  ASSERT_TRUE(bytes.ok()) << bytes.status().message();
  ASSERT_TRUE(check_onnx_bytes(*bytes).ok()) << check_onnx_bytes(*bytes).message();
  const ::onnx::ModelProto m = parse(*bytes);
  EXPECT_EQ(find_attr(*find_node(m, "Cast"), "to")->i(), ::onnx::TensorProto::FLOAT16);
  EXPECT_EQ(m.graph().output(1).name(), "k");
  auto out = run_ort(*bytes, {Tensor::FromVector<float>(DType::kF32, {3}, {1.0f, 0.1f, -2.0f})});
  ASSERT_TRUE(out.ok()) << out.status().message();
  EXPECT_EQ(out->at(1).to_i64(), (std::vector<int64_t>{4, 5}));
  EXPECT_EQ(out->at(0).dtype(), DType::kF16);
}

TEST(Exporter, FileRoundTrip) {
  ir::Graph g = small_graph();
  const std::string dir = mconv::test::make_temp_dir("onnx_export_file");
  const std::string path = dir + "/small.onnx";
  ASSERT_TRUE(export_onnx_file(g, path).ok());
  auto back = import_onnx_file(path);
  ASSERT_TRUE(back.ok()) << back.status().message();
  EXPECT_EQ(back->source_opset, 17);
  EXPECT_EQ(back->graph.inputs[0]->name, "input_image");
  EXPECT_EQ(back->graph.outputs[0]->name, "pooled");
  EXPECT_EQ(ir::shape_string(back->graph.outputs[0]->shape), "[batch,4,1,1]");
  EXPECT_FALSE(export_onnx_file(g, dir + "/no/such/dir/x.onnx").ok());
}

TEST(CheckOnnxBytes, ReportsCheckerAndInferenceErrors) {
  EXPECT_FALSE(check_onnx_bytes({}).ok());
  const std::string junk = "definitely not a model";
  EXPECT_FALSE(check_onnx_bytes({junk.begin(), junk.end()}).ok());
  {
    // Structural error: a node reads an undefined value (onnx::checker::ValidationError).
    ModelBuilder b(17);
    b.input("x", {int64_t{2}});
    b.node("Relu", {"undefined"}, {"y"}, "relu");
    b.output("y");
    Status s = check_onnx_bytes(b.bytes());
    ASSERT_FALSE(s.ok());
    EXPECT_EQ(s.message().rfind("ONNX check: ", 0), 0u) << s.message();
    EXPECT_EQ(s.message().find('\n'), std::string::npos) << s.message();
  }
  {
    // Type error only strict inference sees: Add of float and int64 (InferenceError).
    ModelBuilder b(17);
    b.input("x", {int64_t{2}});
    b.ints("k", {1, 2});
    b.node("Add", {"x", "k"}, {"y"}, "add");
    b.output("y");
    Status s = check_onnx_bytes(b.bytes());
    ASSERT_FALSE(s.ok());
    EXPECT_EQ(s.message().find('\n'), std::string::npos) << s.message();
  }
  {
    // Shape mismatch between declared output and inference (strict merge).
    ModelBuilder b(17);
    b.input("x", {int64_t{2}, int64_t{3}});
    b.node("Relu", {"x"}, {"y"}, "relu");
    b.output("y", {int64_t{3}, int64_t{2}});
    EXPECT_FALSE(check_onnx_bytes(b.bytes()).ok());
  }
  {
    ModelBuilder b(17);
    b.input("x", {int64_t{2}, int64_t{3}});
    b.node("Relu", {"x"}, {"y"}, "relu");
    b.output("y", {int64_t{2}, int64_t{3}});
    EXPECT_TRUE(check_onnx_bytes(b.bytes()).ok()) << check_onnx_bytes(b.bytes()).message();
  }
}

}  // namespace
}  // namespace mconv::onnx::test
