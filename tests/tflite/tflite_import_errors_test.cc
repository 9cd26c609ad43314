// The TFLite importer on broken input: every case must return one clear line (no crash, no hang),
// naming what is wrong. Real files are mutated (identifier, truncation) and small models are built
// with the flatbuffers builder (bad indices, short buffers, cycles, unknown ops, ...).
#include <gtest/gtest.h>

#include <random>

#include "core/file_io.h"
#include "support/test_support.h"
#include "tflite/tflite_importer.h"
#include "tflite_import_test_models.h"

namespace {

using mconv::test::add_options;
using mconv::test::one_op_model;
using mconv::test::self_loop_add_model;
using mconv::test::TfliteModelBuilder;
using mconv::test::two_add_cycle_model;
namespace tfl = ::tflite;

const char kRealModel[] = "atu_v3-small_224_1.0_uint8.tflite";

mconv::Status import_status(const std::vector<uint8_t>& bytes,
                            const std::string& name = "t.tflite") {
  mconv::tflite::TfliteImportOptions options;
  options.source_name = name;
  return mconv::tflite::import_tflite_bytes(bytes, options).status();
}

// Expects failure with a one-line message that contains every fragment.
void expect_error(const std::vector<uint8_t>& bytes, const std::vector<std::string>& fragments) {
  mconv::Status s = import_status(bytes);
  ASSERT_FALSE(s.ok()) << "import unexpectedly succeeded";
  EXPECT_EQ(s.message().find('\n'), std::string::npos) << s.message();
  EXPECT_EQ(s.message().rfind("t.tflite: ", 0), 0u) << s.message();
  for (const std::string& f : fragments)
    EXPECT_NE(s.message().find(f), std::string::npos) << "'" << f << "' not in: " << s.message();
}

std::vector<uint8_t> real_bytes() {
  auto bytes = mconv::read_file_bytes(mconv::test::shared_models_dir() + "/" + kRealModel);
  EXPECT_TRUE(bytes.ok()) << bytes.status().message();
  return bytes.ok() ? std::move(bytes).value() : std::vector<uint8_t>{};
}

// in[1,4] + c[4] -> out[1,4]: the smallest valid model, mutated by the cases below.
TfliteModelBuilder add_model(TfliteModelBuilder b = {}) {
  const int in = b.tensor("in", tfl::TensorType_FLOAT32, {1, 4});
  const int c = b.constant<float>("c", tfl::TensorType_FLOAT32, {4}, {1, 2, 3, 4});
  const int out = b.tensor("out", tfl::TensorType_FLOAT32, {1, 4});
  b.op(tfl::BuiltinOperator_ADD, {in, c}, {out}, add_options());
  b.inputs({in});
  b.outputs({out});
  return b;
}

TEST(TfliteImportErrors, ValidBuilderModelImports) {
  // The baseline the broken variants start from must itself be fine.
  auto model = mconv::tflite::import_tflite_bytes(add_model().finish());
  ASSERT_TRUE(model.ok()) << model.status().message();
  EXPECT_EQ(model->graph.nodes().size(), 1u);
}

TEST(TfliteImportErrors, EmptyAndTinyFiles) {
  expect_error({}, {"empty file"});
  expect_error({1, 2, 3}, {"too short"});
}

TEST(TfliteImportErrors, BadIdentifier) {
  MCONV_REQUIRE_SHARED_FILE(mconv::test::shared_models_dir() + "/" + kRealModel);
  std::vector<uint8_t> bytes = real_bytes();
  ASSERT_GT(bytes.size(), 8u);
  std::memcpy(bytes.data() + 4, "XXXX", 4);
  expect_error(bytes, {"identifier 'XXXX'", "TFL3"});
}

TEST(TfliteImportErrors, TruncatedAtManyCutPoints) {
  MCONV_REQUIRE_SHARED_FILE(mconv::test::shared_models_dir() + "/" + kRealModel);
  const std::vector<uint8_t> bytes = real_bytes();
  ASSERT_GT(bytes.size(), 100000u);
  for (size_t cut : {size_t{8}, size_t{64}, size_t{1000}, bytes.size() / 4, bytes.size() / 2,
                     bytes.size() - 4096, bytes.size() - 16}) {
    SCOPED_TRACE("cut at " + std::to_string(cut));
    expect_error(std::vector<uint8_t>(bytes.begin(), bytes.begin() + cut), {"verifier"});
  }
}

TEST(TfliteImportErrors, RandomBytes) {
  std::mt19937 rng(1234);
  for (int trial = 0; trial < 40; ++trial) {
    std::vector<uint8_t> bytes(16 + rng() % 4096);
    for (uint8_t& b : bytes) b = static_cast<uint8_t>(rng());
    if (trial % 2) std::memcpy(bytes.data() + 4, "TFL3", 4);  // passes the identifier check
    SCOPED_TRACE("trial " + std::to_string(trial));
    mconv::Status s = import_status(bytes);
    ASSERT_FALSE(s.ok());
    EXPECT_EQ(s.message().find('\n'), std::string::npos) << s.message();
  }
}

TEST(TfliteImportErrors, BufferIndexOutOfRange) {
  TfliteModelBuilder b = add_model();
  b.set_tensor_buffer(1, 99);
  expect_error(b.finish(), {"tensor 'c' (index 1)", "buffer 99", "only 2 buffers"});
}

TEST(TfliteImportErrors, BufferShorterThanTensor) {
  TfliteModelBuilder b;
  const int in = b.tensor("in", tfl::TensorType_FLOAT32, {2, 3});
  const int c =
      b.raw_constant("short_weights", tfl::TensorType_FLOAT32, {2, 3}, std::vector<uint8_t>(10, 0));
  const int out = b.tensor("out", tfl::TensorType_FLOAT32, {2, 3});
  b.op(tfl::BuiltinOperator_ADD, {in, c}, {out}, add_options());
  b.inputs({in});
  b.outputs({out});
  expect_error(b.finish(), {"tensor 'short_weights' (index 1)", "holds 10 bytes", "needs 24"});
}

TEST(TfliteImportErrors, ExternalBufferBeyondTheFile) {
  TfliteModelBuilder b;
  const int in = b.tensor("in", tfl::TensorType_FLOAT32, {4});
  const int c = b.external_constant("far_weights", tfl::TensorType_FLOAT32, {4}, {}, 1u << 30, 16);
  const int out = b.tensor("out", tfl::TensorType_FLOAT32, {4});
  b.op(tfl::BuiltinOperator_ADD, {in, c}, {out}, add_options());
  b.inputs({in});
  b.outputs({out});
  expect_error(b.finish(), {"tensor 'far_weights'", "beyond the end of the file"});
}

TEST(TfliteImportErrors, ExternalBufferInsideTheFileLoads) {
  // Large-model format done right: data appended after the flatbuffer, addressed by offset.
  TfliteModelBuilder b;
  const int in = b.tensor("in", tfl::TensorType_FLOAT32, {4});
  std::vector<float> values{0.5f, -1.0f, 2.0f, 8.0f};
  std::vector<uint8_t> raw(16);
  std::memcpy(raw.data(), values.data(), 16);
  const int c = b.external_constant("ext_weights", tfl::TensorType_FLOAT32, {4}, raw);
  const int out = b.tensor("out", tfl::TensorType_FLOAT32, {4});
  b.op(tfl::BuiltinOperator_ADD, {in, c}, {out}, add_options());
  b.inputs({in});
  b.outputs({out});
  auto model = mconv::tflite::import_tflite_bytes(b.finish());
  ASSERT_TRUE(model.ok()) << model.status().message();
  const mconv::ir::Value* w = model->graph.find_value("ext_weights");
  ASSERT_NE(w, nullptr);
  ASSERT_TRUE(w->is_constant());
  EXPECT_EQ(w->constant->to_f32(), values);
}

TEST(TfliteImportErrors, CyclicGraph) {
  // op0 reads t_c, which op1 produces from op0's output: a two-node cycle.
  expect_error(two_add_cycle_model().finish(), {"cycle"});
}

TEST(TfliteImportErrors, OperatorReadingItsOwnOutput) {
  expect_error(self_loop_add_model().finish(), {"cycle"});
}

TEST(TfliteImportErrors, TensorNeverProduced) {
  TfliteModelBuilder b;
  const int in = b.tensor("in", tfl::TensorType_FLOAT32, {4});
  const int ghost = b.tensor("ghost", tfl::TensorType_FLOAT32, {4});
  const int out = b.tensor("out", tfl::TensorType_FLOAT32, {4});
  b.op(tfl::BuiltinOperator_ADD, {in, ghost}, {out}, add_options());
  b.inputs({in});
  b.outputs({out});
  expect_error(b.finish(), {"operator 0 reads tensor 'ghost'", "no operator produces it"});
}

TEST(TfliteImportErrors, TensorProducedTwice) {
  TfliteModelBuilder b;
  const int in = b.tensor("in", tfl::TensorType_FLOAT32, {4});
  const int out = b.tensor("out", tfl::TensorType_FLOAT32, {4});
  b.op(tfl::BuiltinOperator_ADD, {in, in}, {out}, add_options());
  b.op(tfl::BuiltinOperator_ADD, {in, in}, {out}, add_options());
  b.inputs({in});
  b.outputs({out});
  expect_error(b.finish(), {"operator 1 (ADD)", "tensor 'out' (index 1)", "already produces"});
}

TEST(TfliteImportErrors, TensorIndexOutOfRange) {
  TfliteModelBuilder b;
  const int in = b.tensor("in", tfl::TensorType_FLOAT32, {4});
  const int out = b.tensor("out", tfl::TensorType_FLOAT32, {4});
  b.op(tfl::BuiltinOperator_ADD, {in, 42}, {out}, add_options());
  b.inputs({in});
  b.outputs({out});
  expect_error(b.finish(), {"operator 0 (ADD)", "input tensor index 42", "2 tensors"});

  TfliteModelBuilder c = add_model();
  c.outputs({7});
  expect_error(c.finish(), {"subgraph output tensor index 7"});
}

TEST(TfliteImportErrors, OperatorCodeIndexOutOfRange) {
  TfliteModelBuilder b = add_model();
  b.set_last_opcode_index(5);
  expect_error(b.finish(), {"operator 0", "operator code 5", "only 1"});
}

TEST(TfliteImportErrors, UnsupportedOperatorVersionAndCustomOps) {
  TfliteModelBuilder unknown;
  const int in = unknown.tensor("in", tfl::TensorType_FLOAT32, {1, 4, 4, 1});
  const int size = unknown.constant<int32_t>("size", tfl::TensorType_INT32, {2}, {8, 8});
  const int out = unknown.tensor("out", tfl::TensorType_FLOAT32, {1, 8, 8, 1});
  unknown.op(tfl::BuiltinOperator_RESIZE_BILINEAR, {in, size}, {out});
  unknown.inputs({in});
  unknown.outputs({out});
  expect_error(unknown.finish(), {"operator 0 (RESIZE_BILINEAR)", "not supported"});

  expect_error(one_op_model(tfl::BuiltinOperator_ADD, true, add_options(), /*version=*/99).finish(),
               {"operator 0 (ADD)", "version 99"});
  expect_error(one_op_model(tfl::BuiltinOperator_CUSTOM, false, nullptr, 1, "MyFancyOp").finish(),
               {"operator 0 (CUSTOM 'MyFancyOp')", "custom operators"});
}

TEST(TfliteImportErrors, WrongSchemaVersion) {
  TfliteModelBuilder b = add_model();
  b.schema_version = 2;
  expect_error(b.finish(), {"schema version 2", "expected 3"});
}

TEST(TfliteImportErrors, MissingOptionsAndBadArity) {
  TfliteModelBuilder b;
  const int in = b.tensor("in", tfl::TensorType_FLOAT32, {1, 4, 4, 1});
  const int w = b.constant<float>("w", tfl::TensorType_FLOAT32, {1, 1, 1, 1}, {1.0f});
  const int out = b.tensor("out", tfl::TensorType_FLOAT32, {1, 4, 4, 1});
  b.op(tfl::BuiltinOperator_CONV_2D, {in, w}, {out});  // no Conv2DOptions
  b.inputs({in});
  b.outputs({out});
  expect_error(b.finish(), {"operator 0 (CONV_2D)", "missing Conv2DOptions"});

  TfliteModelBuilder c;
  const int x = c.tensor("x", tfl::TensorType_FLOAT32, {4});
  const int y = c.tensor("y", tfl::TensorType_FLOAT32, {4});
  c.op(tfl::BuiltinOperator_ADD, {x}, {y}, add_options());
  c.inputs({x});
  c.outputs({y});
  expect_error(c.finish(), {"operator 0 (ADD)", "has 1 inputs, expected 2"});
}

TEST(TfliteImportErrors, UnsupportedTensorTypes) {
  TfliteModelBuilder b;
  const int in = b.tensor("strings", tfl::TensorType_STRING, {4});
  const int out = b.tensor("out", tfl::TensorType_FLOAT32, {4});
  b.op(tfl::BuiltinOperator_ADD, {in, in}, {out}, add_options());
  b.inputs({in});
  b.outputs({out});
  expect_error(b.finish(), {"tensor 'strings' (index 0)", "STRING"});
}

// A quantized model touching many converters: per-channel int8 conv and depthwise filters,
// FULLY_CONNECTED with a reshape, MEAN, STRIDED_SLICE, QUANTIZE/DEQUANTIZE.
std::vector<uint8_t> mixed_model() {
  TfliteModelBuilder b;
  using Q = TfliteModelBuilder::Quant;
  const int in = b.tensor("in", tfl::TensorType_FLOAT32, {1, 6, 6, 2}, std::nullopt, {-1, 6, 6, 2});
  const int q = b.tensor("q", tfl::TensorType_INT8, {1, 6, 6, 2}, Q{{0.05f}, {3}, 0});
  b.op(tfl::BuiltinOperator_QUANTIZE, {in}, {q});
  const int w = b.constant<int8_t>("w", tfl::TensorType_INT8, {3, 3, 3, 2},
                                   std::vector<int8_t>(54, 7), Q{{0.1f, 0.2f, 0.3f}, {0, 0, 0}, 0});
  const int bias = b.constant<int32_t>("bias", tfl::TensorType_INT32, {3}, {1, 2, 3},
                                       Q{{0.005f, 0.01f, 0.015f}, {0, 0, 0}, 0});
  const int conv = b.tensor("conv", tfl::TensorType_INT8, {1, 3, 3, 3}, Q{{0.2f}, {-1}, 0});
  b.op(tfl::BuiltinOperator_CONV_2D, {q, w, bias}, {conv}, [](flatbuffers::FlatBufferBuilder& fbb) {
    return std::make_pair(
        tfl::BuiltinOptions_Conv2DOptions,
        tfl::CreateConv2DOptions(fbb, tfl::Padding_SAME, 2, 2, tfl::ActivationFunctionType_RELU6)
            .Union());
  });
  const int dw =
      b.constant<int8_t>("dw", tfl::TensorType_INT8, {1, 3, 3, 3}, std::vector<int8_t>(27, -3),
                         Q{{0.1f, 0.1f, 0.2f}, {0, 0, 0}, 3});
  const int dconv = b.tensor("dconv", tfl::TensorType_INT8, {1, 3, 3, 3}, Q{{0.3f}, {0}, 0});
  b.op(tfl::BuiltinOperator_DEPTHWISE_CONV_2D, {conv, dw, -1}, {dconv},
       [](flatbuffers::FlatBufferBuilder& fbb) {
         return std::make_pair(
             tfl::BuiltinOptions_DepthwiseConv2DOptions,
             tfl::CreateDepthwiseConv2DOptions(fbb, tfl::Padding_VALID, 1, 1, 1).Union());
       });
  const int axes = b.constant<int32_t>("axes", tfl::TensorType_INT32, {2}, {1, 2});
  const int mean = b.tensor("mean", tfl::TensorType_INT8, {1, 3}, Q{{0.3f}, {0}, 0});
  b.op(tfl::BuiltinOperator_MEAN, {dconv, axes}, {mean});
  const int fw = b.constant<int8_t>("fw", tfl::TensorType_INT8, {4, 3}, std::vector<int8_t>(12, 5),
                                    Q{{0.1f}, {0}, 0});
  const int fc = b.tensor("fc", tfl::TensorType_INT8, {1, 4}, Q{{0.4f}, {2}, 0});
  b.op(tfl::BuiltinOperator_FULLY_CONNECTED, {mean, fw, -1}, {fc});
  const int begin = b.constant<int32_t>("begin", tfl::TensorType_INT32, {2}, {0, 1});
  const int end = b.constant<int32_t>("end", tfl::TensorType_INT32, {2}, {1, 3});
  const int stride = b.constant<int32_t>("stride", tfl::TensorType_INT32, {2}, {1, 1});
  const int sl = b.tensor("sl", tfl::TensorType_INT8, {2}, Q{{0.4f}, {2}, 0});
  b.op(tfl::BuiltinOperator_STRIDED_SLICE, {fc, begin, end, stride}, {sl},
       [](flatbuffers::FlatBufferBuilder& fbb) {
         return std::make_pair(tfl::BuiltinOptions_StridedSliceOptions,
                               tfl::CreateStridedSliceOptions(fbb, 0, 0, 0, 0, 1).Union());
       });
  const int out = b.tensor("out", tfl::TensorType_FLOAT32, {2});
  b.op(tfl::BuiltinOperator_DEQUANTIZE, {sl}, {out});
  b.inputs({in});
  b.outputs({out});
  return b.finish();
}

TEST(TfliteImportErrors, MixedQuantizedModelImports) {
  auto model = mconv::tflite::import_tflite_bytes(mixed_model());
  ASSERT_TRUE(model.ok()) << model.status().message();
  const mconv::ir::Value* dw = model->graph.find_value("dw");
  ASSERT_NE(dw, nullptr);
  EXPECT_EQ(dw->constant->shape(), (std::vector<int64_t>{3, 1, 3, 3}));
  ASSERT_TRUE(dw->quant.has_value());
  EXPECT_EQ(dw->quant->axis, 0);  // depthwise channel axis 3 of 1HWO -> 0 of OIHW
  EXPECT_EQ(dw->dtype, mconv::DType::kI8);
}

// Per-channel weights with 3 scales but 2 zero points: TFLite refuses such a file ("Must have
// same number"), so the importer does too, naming the tensor and both counts.
TEST(TfliteImportErrors, ZeroPointCountDifferentFromScaleCount) {
  TfliteModelBuilder b;
  using Q = TfliteModelBuilder::Quant;
  const int in = b.tensor("in", tfl::TensorType_INT8, {1, 4, 4, 2}, Q{{0.05f}, {3}, 0});
  const int w = b.constant<int8_t>("w", tfl::TensorType_INT8, {3, 1, 1, 2},
                                   std::vector<int8_t>(6, 7), Q{{0.1f, 0.2f, 0.3f}, {0, 0}, 0});
  const int out = b.tensor("out", tfl::TensorType_INT8, {1, 4, 4, 3}, Q{{0.2f}, {0}, 0});
  b.op(tfl::BuiltinOperator_CONV_2D, {in, w, -1}, {out}, [](flatbuffers::FlatBufferBuilder& fbb) {
    return std::make_pair(tfl::BuiltinOptions_Conv2DOptions,
                          tfl::CreateConv2DOptions(fbb, tfl::Padding_SAME, 1, 1).Union());
  });
  b.inputs({in});
  b.outputs({out});
  expect_error(b.finish(), {"'w'", "3 quantization scales but 2 zero points"});
  // The same on an activation.
  TfliteModelBuilder a;
  const int ain = a.tensor("ain", tfl::TensorType_INT8, {1, 4}, Q{{0.1f, 0.2f}, {0}, 1});
  const int aout = a.tensor("aout", tfl::TensorType_FLOAT32, {1, 4});
  a.op(tfl::BuiltinOperator_DEQUANTIZE, {ain}, {aout});
  a.inputs({ain});
  a.outputs({aout});
  expect_error(a.finish(), {"'ain'", "2 quantization scales but 1 zero points"});
}

// An ADD of two uint8 tensors declared to return float32, feeding a float ADD (the fuzzer found
// the same with a MUL feeding a CONV): each node alone passes the verifier, but the first ADD
// cannot make what the file declares, so the import names that node instead of handing on a graph
// whose dtypes change under inference.
TEST(TfliteImportErrors, OutputDtypeItsInputsCannotMake) {
  TfliteModelBuilder b;
  using Q = TfliteModelBuilder::Quant;
  const int a = b.tensor("a", tfl::TensorType_UINT8, {1, 4}, Q{{0.5f}, {0}, 0});
  const int c = b.tensor("c", tfl::TensorType_UINT8, {1, 4}, Q{{0.5f}, {0}, 0});
  const int sum = b.tensor("sum", tfl::TensorType_FLOAT32, {1, 4});
  const int k = b.constant<float>("k", tfl::TensorType_FLOAT32, {4}, {1, 2, 3, 4});
  const int out = b.tensor("out", tfl::TensorType_FLOAT32, {1, 4});
  b.op(tfl::BuiltinOperator_ADD, {a, c}, {sum}, add_options());
  b.op(tfl::BuiltinOperator_ADD, {sum, k}, {out}, add_options());
  b.inputs({a, c});
  b.outputs({out});
  expect_error(b.finish(), {"node 'sum' (Add)", "declared f32", "inputs make it u8"});
}

// Single-byte mutations anywhere past the header: the import either fails with one line or
// yields a graph that passed ir::verify, never a crash or a hang.
TEST(TfliteImportErrors, ByteMutationsNeverCrash) {
  const std::vector<uint8_t> original = mixed_model();
  ASSERT_TRUE(import_status(original).ok());
  std::mt19937 rng(99);
  int failed = 0, passed = 0;
  for (int trial = 0; trial < 3000; ++trial) {
    std::vector<uint8_t> bytes = original;
    const int flips = 1 + trial % 3;
    for (int f = 0; f < flips; ++f)
      bytes[8 + rng() % (bytes.size() - 8)] = static_cast<uint8_t>(rng());
    mconv::Status s = import_status(bytes);
    if (s.ok()) {
      ++passed;
    } else {
      ++failed;
      ASSERT_EQ(s.message().find('\n'), std::string::npos) << s.message();
    }
  }
  std::printf("byte mutations: %d imported, %d rejected\n", passed, failed);
  EXPECT_GT(failed, 100);  // the mutations do reach the checks
}

TEST(TfliteImportErrors, RealFileMutationsNeverCrash) {
  MCONV_REQUIRE_SHARED_FILE(mconv::test::shared_models_dir() + "/" + kRealModel);
  const std::vector<uint8_t> original = real_bytes();
  // Mutate the structural part (tables, vectors, strings) rather than the weight bytes: the
  // flatbuffer's tables sit after the root offset, buffers' data mostly near the end.
  std::mt19937 rng(7);
  int failed = 0;
  for (int trial = 0; trial < 40; ++trial) {
    std::vector<uint8_t> bytes = original;
    for (int f = 0; f < 4; ++f) bytes[8 + rng() % 200000] = static_cast<uint8_t>(rng());
    mconv::Status s = import_status(bytes);
    if (!s.ok()) {
      ++failed;
      ASSERT_EQ(s.message().find('\n'), std::string::npos) << s.message();
    }
  }
  std::printf("real-file mutations: %d of 40 rejected\n", failed);
}

TEST(TfliteImportErrors, OldFileWithoutIdentifierIsAccepted) {
  TfliteModelBuilder b = add_model();
  b.identifier = false;
  const std::vector<uint8_t> bytes = b.finish();
  ASSERT_NE(std::string(bytes.begin() + 4, bytes.begin() + 8), "TFL3");
  auto model = mconv::tflite::import_tflite_bytes(bytes);
  ASSERT_TRUE(model.ok()) << model.status().message();
  EXPECT_EQ(model->graph.nodes().size(), 1u);
}

TEST(TfliteImportErrors, OldStyleOperatorCodes) {
  // Only deprecated_builtin_code set (builtin_code 0 = ADD): the larger of the two is the op.
  TfliteModelBuilder b;
  b.old_style_codes = true;
  const int in = b.tensor("in", tfl::TensorType_FLOAT32, {4});
  const int out = b.tensor("out", tfl::TensorType_FLOAT32, {4});
  b.op(tfl::BuiltinOperator_LOGISTIC, {in}, {out});
  b.inputs({in});
  b.outputs({out});
  auto model = mconv::tflite::import_tflite_bytes(b.finish());
  ASSERT_TRUE(model.ok()) << model.status().message();
  ASSERT_EQ(model->graph.nodes().size(), 1u);
  EXPECT_EQ(model->graph.nodes()[0]->op, mconv::ir::OpType::kSigmoid);
}

}  // namespace
