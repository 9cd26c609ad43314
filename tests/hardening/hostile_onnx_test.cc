// Hostile ONNX files, each crafted for one bad-input class, fed to the real `mconv convert`:
// every one is refused with a one-line error naming the file and the reason, a non-zero exit and
// no output file; never a crash, a multi-gigabyte allocation, a stack overflow or a hang.
#include <cmath>
#include <limits>

#include "hardening_util.h"
#include "onnx/onnx_test_util.h"

namespace mconv::hardening {
namespace {

using onnx::test::attr;
using onnx::test::ModelBuilder;
constexpr int64_t kI1 = 1;

// x[1,4] -> Add(x, b) -> y, where the caller fills b's TensorProto.
ModelBuilder add_model(::onnx::TensorProto** bias) {
  ModelBuilder b(13);
  b.input("x", {kI1, int64_t{4}});
  *bias = &b.initializer("b", Tensor(DType::kF32, {4}));
  b.node("Add", {"x", "b"}, {"y"}, "add");
  b.output("y");
  return b;
}

class HostileOnnx : public ::testing::Test {
 protected:
  std::string dir_ = test::make_temp_dir("hostile_onnx");
  std::string write(const std::string& name, const ModelBuilder& b) {
    return write_model(dir_, name, b.bytes());
  }
};

TEST_F(HostileOnnx, AbsurdDimensions) {
  ::onnx::TensorProto* bias;
  ModelBuilder b = add_model(&bias);
  bias->clear_dims();
  bias->add_dims(int64_t{1} << 40);
  bias->add_dims(int64_t{1} << 20);
  const std::string path = write("absurd_dims.onnx", b);
  EXPECT_REFUSED(run_convert(path, "out.tflite"), path, "MCONV_MAX_TENSOR_ELEMENTS");
}

// 2^61 f32 elements are 2^63 bytes and 2^61 f64-sized ones wrap to 0: a byte count that wraps
// must not match an empty raw_data.
TEST_F(HostileOnnx, OverflowingElementCount) {
  ::onnx::TensorProto* bias;
  ModelBuilder b = add_model(&bias);
  bias->set_data_type(::onnx::TensorProto::INT64);
  bias->clear_dims();
  bias->add_dims(int64_t{1} << 61);
  bias->add_dims(4);
  bias->set_raw_data("");
  const std::string path = write("overflow.onnx", b);
  EXPECT_REFUSED(run_convert(path, "out.tflite"), path, "initializer 'b'");
  bias->clear_dims();
  for (int i = 0; i < 4; ++i) bias->add_dims(int64_t{1} << 20);  // product 2^80
  const std::string path2 = write("overflow2.onnx", b);
  EXPECT_REFUSED(run_convert(path2, "out.tflite"), path2, "over the limit");
}

TEST_F(HostileOnnx, NegativeSizes) {
  ::onnx::TensorProto* bias;
  ModelBuilder b = add_model(&bias);
  bias->set_dims(0, -4);
  const std::string path = write("negative_initializer.onnx", b);
  EXPECT_REFUSED(run_convert(path, "out.tflite"), path, "negative dimension");

  ModelBuilder c(13);
  c.input("x", {kI1, int64_t{-3}});
  c.node("Relu", {"x"}, {"y"}, "relu");
  c.output("y");
  const std::string path2 = write("negative_input.onnx", c);
  EXPECT_REFUSED(run_convert(path2, "out.tflite"), path2, "negative dimension");
}

TEST_F(HostileOnnx, TooHighRank) {
  ModelBuilder b(13);
  std::vector<onnx::test::DimSpec> dims(40, kI1);
  b.input("x", dims);
  b.node("Relu", {"x"}, {"y"}, "relu");
  b.output("y");
  const std::string path = write("rank40.onnx", b);
  EXPECT_REFUSED(run_convert(path, "out.tflite"), path, "MCONV_MAX_RANK");
}

TEST_F(HostileOnnx, BufferShorterThanTensor) {
  ::onnx::TensorProto* bias;
  ModelBuilder b = add_model(&bias);
  bias->set_raw_data(std::string(7, '\0'));  // 4 floats need 16 bytes
  const std::string path = write("short_raw.onnx", b);
  EXPECT_REFUSED(run_convert(path, "out.tflite"), path, "raw_data has 7 bytes");
  bias->clear_raw_data();
  bias->add_float_data(1.0f);  // typed field with 1 of 4 values
  const std::string path2 = write("short_floats.onnx", b);
  EXPECT_REFUSED(run_convert(path2, "out.tflite"), path2, "float_data has 1 values");
}

TEST_F(HostileOnnx, GraphCycleAndSelfLoop) {
  ModelBuilder b(13);
  b.input("x", {kI1, int64_t{4}});
  b.node("Add", {"x", "b2"}, {"a1"}, "first");
  b.node("Relu", {"a1"}, {"b2"}, "second");
  b.output("b2");
  const std::string path = write("cycle.onnx", b);
  EXPECT_REFUSED(run_convert(path, "out.tflite"), path, "cycle");

  ModelBuilder c(13);
  c.input("x", {kI1, int64_t{4}});
  c.node("Add", {"x", "y"}, {"y"}, "self");
  c.output("y");
  const std::string path2 = write("self_loop.onnx", c);
  EXPECT_REFUSED(run_convert(path2, "out.tflite"), path2, "cycle through node 'self'");
}

// If-nodes whose branch holds an If whose branch holds an If ... 2000 levels deep: protobuf's
// recursion limit refuses the file before mconv walks anything.
TEST_F(HostileOnnx, DeeplyNestedSubgraphs) {
  ModelBuilder b(13);
  b.input("c", {kI1}, ::onnx::TensorProto::BOOL);
  ::onnx::NodeProto* node = &b.node("If", {"c"}, {"y"}, "if0");
  for (int depth = 1; depth < 2000; ++depth) {
    auto* a = node->add_attribute();
    a->set_name("then_branch");
    a->set_type(::onnx::AttributeProto::GRAPH);
    ::onnx::GraphProto* g = a->mutable_g();
    g->set_name("level" + std::to_string(depth));
    node = g->add_node();
    node->set_op_type("If");
    node->add_input("c");
    node->add_output("y");
  }
  b.output("y");
  const std::string path = write("nested_if.onnx", b);
  EXPECT_REFUSED(run_convert(path, "out.tflite"), path, "does not parse");
}

// A graph whose If node names its own enclosing graph's outputs as branch results: mconv does not
// import control flow, so any subgraph-carrying op is refused by name.
TEST_F(HostileOnnx, SelfReferencingSubgraph) {
  ModelBuilder b(13);
  b.input("c", {kI1}, ::onnx::TensorProto::BOOL);
  ::onnx::NodeProto& n = b.node("If", {"c"}, {"y"}, "loop_back");
  auto* a = n.add_attribute();
  a->set_name("then_branch");
  a->set_type(::onnx::AttributeProto::GRAPH);
  const ::onnx::GraphProto outer = b.graph();  // reads the If's own output "y" as its result
  *a->mutable_g() = outer;
  b.output("y");
  const std::string path = write("self_subgraph.onnx", b);
  EXPECT_REFUSED(run_convert(path, "out.tflite"), path, "'If' that mconv does not support");
}

ModelBuilder relu_chain(int length) {
  ModelBuilder b(13);
  b.input("x", {kI1, int64_t{8}});
  std::string prev = "x";
  for (int i = 0; i < length; ++i) {
    const std::string out = i + 1 == length ? "y" : "t" + std::to_string(i);
    b.node(i % 2 ? "Sigmoid" : "Relu", {prev}, {out}, "n" + std::to_string(i));
    prev = out;
  }
  b.output("y");
  return b;
}

// A 10 000-deep chain is over the default depth cap (8192): refused by default...
TEST_F(HostileOnnx, TenThousandDeepChainIsRefusedByDefault) {
  const std::string path = write("chain10k.onnx", relu_chain(10000));
  EXPECT_REFUSED(run_convert(path, "out.tflite"), path, "MCONV_MAX_GRAPH_DEPTH");
}

// ...and converts in both directions when the cap is raised: nothing on the way (importer, sort,
// shape inference, folding, dead code, layout passes, both exporters, the ONNX checker) recurses
// per node.
TEST_F(HostileOnnx, TenThousandDeepChainConvertsWhenAllowed) {
  const std::string path = write("chain10k.onnx", relu_chain(10000));
  const std::string env = "MCONV_MAX_GRAPH_DEPTH=20000";
  for (const char* out : {"out.tflite", "out.onnx"}) {
    const ConvertRun run = run_convert(path, out, env);
    EXPECT_EQ(run.exit_code, 0) << out << ": " << run.output;
    EXPECT_TRUE(run.output_exists) << out;
  }
}

TEST_F(HostileOnnx, TooManyNodes) {
  const std::string path = write("chain50.onnx", relu_chain(50));
  EXPECT_REFUSED(run_convert(path, "out.tflite", "MCONV_MAX_NODES=20"), path, "MCONV_MAX_NODES");
  const ConvertRun ok = run_convert(path, "out.tflite");
  EXPECT_EQ(ok.exit_code, 0) << ok.output;
}

TEST_F(HostileOnnx, MalformedLimitVariable) {
  const std::string path = write("chain3.onnx", relu_chain(3));
  EXPECT_REFUSED(run_convert(path, "out.tflite", "MCONV_MAX_NODES=lots"), path,
                 "MCONV_MAX_NODES='lots'");
}

TEST_F(HostileOnnx, UnknownOpTypesDomainsAndVersions) {
  ModelBuilder b(13);
  b.input("x", {kI1, int64_t{4}});
  b.node("FancyActivation", {"x"}, {"y"}, "fancy");
  b.output("y");
  const std::string path = write("unknown_op.onnx", b);
  EXPECT_REFUSED(run_convert(path, "out.tflite"), path,
                 "node 'fancy' has op type 'FancyActivation' that mconv does not support");

  ModelBuilder c(13);
  c.input("x", {kI1, int64_t{4}});
  c.node("Relu", {"x"}, {"y"}, "custom").set_domain("com.example");
  c.output("y");
  const std::string path2 = write("unknown_domain.onnx", c);
  EXPECT_REFUSED(run_convert(path2, "out.tflite"), path2, "domain 'com.example'");

  ModelBuilder d(99);
  d.input("x", {kI1, int64_t{4}});
  d.node("Relu", {"x"}, {"y"}, "relu");
  d.output("y");
  const std::string path3 = write("opset99.onnx", d);
  EXPECT_REFUSED(run_convert(path3, "out.tflite"), path3, "opset 99");

  ModelBuilder e(13, 99);  // IR version 99
  e.input("x", {kI1, int64_t{4}});
  e.node("Relu", {"x"}, {"y"}, "relu");
  e.output("y");
  const std::string path4 = write("ir99.onnx", e);
  EXPECT_REFUSED(run_convert(path4, "out.tflite"), path4, "IR version 99");
}

// NaN or Inf in a weight is refused by default, naming the constant and the node reading it;
// MCONV_ALLOW_NON_FINITE_WEIGHTS=1 lets such a model through unchanged.
TEST_F(HostileOnnx, NonFiniteWeights) {
  for (float bad : {std::numeric_limits<float>::quiet_NaN(), std::numeric_limits<float>::infinity(),
                    -std::numeric_limits<float>::infinity()}) {
    ::onnx::TensorProto* bias;
    ModelBuilder b = add_model(&bias);
    Tensor values = Tensor::FromVector<float>(DType::kF32, {4}, {0.5f, 1.0f, bad, 2.0f});
    bias->set_raw_data(values.raw(), values.byte_size());
    const std::string path = write("nonfinite.onnx", b);
    EXPECT_REFUSED(run_convert(path, "out.tflite"), path,
                   std::string("constant 'b' (read by node 'add' (Add)) holds ") +
                       (std::isnan(bad) ? "NaN" : "Inf") + " at element 2");
    const ConvertRun allowed = run_convert(path, "out.onnx", "MCONV_ALLOW_NON_FINITE_WEIGHTS=1");
    EXPECT_EQ(allowed.exit_code, 0) << allowed.output;
  }
}

TEST_F(HostileOnnx, TruncatedAndEmptyFiles) {
  const std::vector<uint8_t> bytes = relu_chain(4).bytes();
  for (size_t len : {size_t{0}, size_t{1}, bytes.size() / 2, bytes.size() - 1}) {
    const std::string path = write_model(dir_, "cut" + std::to_string(len) + ".onnx",
                                         std::vector<uint8_t>(bytes.begin(), bytes.begin() + len));
    const ConvertRun run = run_convert(path, "out.tflite");
    EXPECT_REFUSED(run, path, "");
  }
}

}  // namespace
}  // namespace mconv::hardening
