// Hostile TFLite files, each crafted for one bad-input class, fed to the real `mconv convert`:
// every one is refused with a one-line error naming the file and the reason, a non-zero exit and
// no output file; never a crash, a multi-gigabyte allocation, a stack overflow or a hang.
#include <cmath>
#include <limits>

#include "hardening_util.h"
#include "tflite/tflite_import_test_models.h"

namespace mconv::hardening {
namespace {

using test::add_options;
using test::one_op_model;
using test::TfliteModelBuilder;
namespace tfl = ::tflite;

// in[1,4] + c -> out[1,4], where c has the given shape and data.
TfliteModelBuilder add_model(std::vector<int32_t> c_shape, std::vector<uint8_t> c_bytes) {
  TfliteModelBuilder b;
  const int in = b.tensor("in", tfl::TensorType_FLOAT32, {1, 4});
  const int c =
      b.raw_constant("c", tfl::TensorType_FLOAT32, std::move(c_shape), std::move(c_bytes));
  const int out = b.tensor("out", tfl::TensorType_FLOAT32, {1, 4});
  b.op(tfl::BuiltinOperator_ADD, {in, c}, {out}, add_options());
  b.inputs({in});
  b.outputs({out});
  return b;
}

std::vector<uint8_t> floats(const std::vector<float>& v) {
  std::vector<uint8_t> bytes(v.size() * 4);
  std::memcpy(bytes.data(), v.data(), bytes.size());
  return bytes;
}

class HostileTflite : public ::testing::Test {
 protected:
  std::string dir_ = test::make_temp_dir("hostile_tflite");
  std::string write(const std::string& name, const TfliteModelBuilder& b) {
    return write_model(dir_, name, b.finish());
  }
};

TEST_F(HostileTflite, AbsurdAndOverflowingDimensions) {
  // 2^30 * 2^30 * 2^30 elements: overflows int64 when multiplied with the element size.
  const int32_t big = 1 << 30;
  const std::string path = write("absurd.tflite", add_model({big, big, big}, floats({1, 2, 3, 4})));
  EXPECT_REFUSED(run_convert(path, "out.onnx"), path, "MCONV_MAX_TENSOR_ELEMENTS");

  TfliteModelBuilder b;
  const int in = b.tensor("in", tfl::TensorType_FLOAT32, {big, big});  // an activation
  const int out = b.tensor("out", tfl::TensorType_FLOAT32, {big, big});
  b.op(tfl::BuiltinOperator_RELU, {in}, {out});
  b.inputs({in});
  b.outputs({out});
  const std::string path2 = write("absurd_activation.tflite", b);
  EXPECT_REFUSED(run_convert(path2, "out.onnx"), path2, "tensor 'in' (index 0) has shape");
}

TEST_F(HostileTflite, NegativeSizes) {
  const std::string path = write("negative.tflite", add_model({-4}, floats({1, 2, 3, 4})));
  EXPECT_REFUSED(run_convert(path, "out.onnx"), path, "negative dim");
}

TEST_F(HostileTflite, BufferShorterThanTensor) {
  const std::string path = write("short.tflite", add_model({4}, floats({1, 2})));
  EXPECT_REFUSED(run_convert(path, "out.onnx"), path, "holds 8 bytes");
}

TEST_F(HostileTflite, OffsetPastTheEndOfTheFile) {
  TfliteModelBuilder b;
  const int in = b.tensor("in", tfl::TensorType_FLOAT32, {4});
  const int c = b.external_constant("far", tfl::TensorType_FLOAT32, {4}, {}, uint64_t{1} << 40, 16);
  const int out = b.tensor("out", tfl::TensorType_FLOAT32, {4});
  b.op(tfl::BuiltinOperator_ADD, {in, c}, {out}, add_options());
  b.inputs({in});
  b.outputs({out});
  const std::string path = write("far_offset.tflite", b);
  EXPECT_REFUSED(run_convert(path, "out.onnx"), path, "beyond the end of the file");
  // An offset+size pair that wraps around 2^64.
  TfliteModelBuilder w;
  const int in2 = w.tensor("in", tfl::TensorType_FLOAT32, {4});
  const int c2 =
      w.external_constant("wrap", tfl::TensorType_FLOAT32, {4}, {}, 64, ~uint64_t{0} - 32);
  const int out2 = w.tensor("out", tfl::TensorType_FLOAT32, {4});
  w.op(tfl::BuiltinOperator_ADD, {in2, c2}, {out2}, add_options());
  w.inputs({in2});
  w.outputs({out2});
  const std::string path2 = write("wrap_offset.tflite", w);
  EXPECT_REFUSED(run_convert(path2, "out.onnx"), path2, "beyond the end of the file");
}

TEST_F(HostileTflite, GraphCycleAndSelfLoop) {
  const std::string path = write("cycle.tflite", test::two_add_cycle_model());
  EXPECT_REFUSED(run_convert(path, "out.onnx"), path, "cycle");
  const std::string path2 = write("self_loop.tflite", test::self_loop_add_model());
  EXPECT_REFUSED(run_convert(path2, "out.onnx"), path2, "cycle");
}

// WHILE / CALL_ONCE name subgraphs by index, so a file can make subgraph 0 call itself; mconv
// imports subgraph 0 only and refuses control-flow operators by name before following any index.
TEST_F(HostileTflite, SelfReferencingSubgraph) {
  for (auto op : {tfl::BuiltinOperator_WHILE, tfl::BuiltinOperator_CALL_ONCE}) {
    TfliteModelBuilder b;
    const int x = b.tensor("x", tfl::TensorType_FLOAT32, {4});
    const int y = b.tensor("y", tfl::TensorType_FLOAT32, {4});
    b.op(op, {x}, {y});
    b.inputs({x});
    b.outputs({y});
    const std::string path = write("self_call.tflite", b);
    EXPECT_REFUSED(run_convert(path, "out.onnx"), path,
                   std::string("operator 0 (") + tfl::EnumNameBuiltinOperator(op) +
                       "): operator not supported");
  }
}

TfliteModelBuilder relu_chain(int length) {
  TfliteModelBuilder b;
  int prev = b.tensor("x", tfl::TensorType_FLOAT32, {1, 8});
  b.inputs({prev});
  for (int i = 0; i < length; ++i) {
    const int next = b.tensor("t" + std::to_string(i), tfl::TensorType_FLOAT32, {1, 8});
    b.op(i % 2 ? tfl::BuiltinOperator_TANH : tfl::BuiltinOperator_RELU, {prev}, {next});
    prev = next;
  }
  b.outputs({prev});
  return b;
}

TEST_F(HostileTflite, TenThousandDeepChain) {
  const std::string path = write("chain10k.tflite", relu_chain(10000));
  EXPECT_REFUSED(run_convert(path, "out.onnx"), path, "MCONV_MAX_GRAPH_DEPTH");
  for (const char* out : {"out.onnx", "out.tflite"}) {
    const ConvertRun run = run_convert(path, out, "MCONV_MAX_GRAPH_DEPTH=20000");
    EXPECT_EQ(run.exit_code, 0) << out << ": " << run.output;
    EXPECT_TRUE(run.output_exists) << out;
  }
}

TEST_F(HostileTflite, UnknownOpsAndVersions) {
  const std::string path = write(
      "custom.tflite", one_op_model(tfl::BuiltinOperator_CUSTOM, false, nullptr, 1, "MyFancyOp"));
  EXPECT_REFUSED(run_convert(path, "out.onnx"), path, "operator 0 (CUSTOM 'MyFancyOp')");
  const std::string path2 =
      write("version99.tflite", one_op_model(tfl::BuiltinOperator_ADD, true, add_options(), 99));
  EXPECT_REFUSED(run_convert(path2, "out.onnx"), path2, "version 99");
  // A code no schema defines.
  const std::string path3 =
      write("code250.tflite", one_op_model(static_cast<tfl::BuiltinOperator>(250), false));
  EXPECT_REFUSED(run_convert(path3, "out.onnx"), path3, "operator 0");
}

TEST_F(HostileTflite, NonFiniteWeights) {
  for (float bad :
       {std::numeric_limits<float>::quiet_NaN(), std::numeric_limits<float>::infinity()}) {
    const std::string path = write("nonfinite.tflite", add_model({4}, floats({1, bad, 3, 4})));
    EXPECT_REFUSED(run_convert(path, "out.onnx"), path,
                   std::string("holds ") + (std::isnan(bad) ? "NaN" : "Inf") + " at element 1");
    const ConvertRun allowed = run_convert(path, "out.onnx", "MCONV_ALLOW_NON_FINITE_WEIGHTS=1");
    EXPECT_EQ(allowed.exit_code, 0) << allowed.output;
  }
}

TEST_F(HostileTflite, TooManyOperators) {
  const std::string path = write("chain40.tflite", relu_chain(40));
  EXPECT_REFUSED(run_convert(path, "out.onnx", "MCONV_MAX_NODES=10"), path, "MCONV_MAX_NODES");
}

// Fuzzer finding (fuzz_tflite_import): a tensor name holding a line break went verbatim into the
// error message. Names now lose control characters ('_'), custom codes show them as '?'.
TEST_F(HostileTflite, ControlCharactersInNamesStayOutOfErrors) {
  TfliteModelBuilder b;
  const int in = b.tensor("in", tfl::TensorType_FLOAT32, {4});
  const int c = b.raw_constant("bad\nname\r", tfl::TensorType_FLOAT32, {4}, floats({1, 2}));
  const int out = b.tensor("out", tfl::TensorType_FLOAT32, {4});
  b.op(tfl::BuiltinOperator_ADD, {in, c}, {out}, add_options());
  b.inputs({in});
  b.outputs({out});
  const std::string path = write("newline_name.tflite", b);
  EXPECT_REFUSED(run_convert(path, "out.onnx"), path, "tensor 'bad_name_' (index 1)");

  TfliteModelBuilder custom;
  const int x = custom.tensor("x", tfl::TensorType_FLOAT32, {4});
  const int z = custom.tensor("z", tfl::TensorType_FLOAT32, {4});
  custom.op(tfl::BuiltinOperator_CUSTOM, {x}, {z}, nullptr, 1, "two\nlines");
  custom.inputs({x});
  custom.outputs({z});
  const std::string path2 = write("newline_custom.tflite", custom);
  EXPECT_REFUSED(run_convert(path2, "out.onnx"), path2, "CUSTOM 'two?lines'");
}

TEST_F(HostileTflite, TruncatedFiles) {
  const std::vector<uint8_t> bytes = relu_chain(3).finish();
  for (size_t len : {size_t{0}, size_t{5}, bytes.size() / 2}) {
    const std::string path = write_model(dir_, "cut" + std::to_string(len) + ".tflite",
                                         std::vector<uint8_t>(bytes.begin(), bytes.begin() + len));
    EXPECT_REFUSED(run_convert(path, "out.onnx"), path, "");
  }
}

}  // namespace
}  // namespace mconv::hardening
