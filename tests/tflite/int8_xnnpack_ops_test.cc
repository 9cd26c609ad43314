// The int8 files mconv writes are built for speed: every TFLite int8 operator is one XNNPACK's
// delegate takes in int8 (so the whole integer body is one delegate partition), and neither the
// TFLite nor the ONNX int8 file holds a GATHER or a TRANSPOSE (the ONNX file of an NHWC source
// keeps the one Transpose that turns its NHWC input into the NCHW body, as its FP32 file does).
// Keras MobileNetV3-Small (NHWC source) and torchvision's op17 export (NCHW source), each
// converted by the built binary with `--precision int8 --split-groups 1` (the fast graph; the
// default's channel groups are joined by a Concat and a Gather, see docs/int8_accuracy.md).
//
// The operator list and the scale bounds follow the XNNPACK delegate
// (tensorflow/lite/delegates/xnnpack/xnnpack_delegate.cc: VisitAddNode / VisitSubNode check
// every input-scale / output-scale ratio in [2^-10, 2^8), VisitMulNode checks
// input1_scale * input2_scale / output_scale in [2^-16, 2^8); it has no int8 HARD_SWISH and no
// GATHER), as also summarised by Chromium's WebNN TFLite graph builder
// (services/webnn/tflite/graph_builder_tflite.cc, CanFuseQuantizeAndGetOutput for binary ops).
#include <gtest/gtest.h>

#include <cmath>
#include <set>
#include <string>
#include <vector>

#include "core/file_io.h"
#include "onnx/onnx_pb.h"
#include "support/test_support.h"
#include "tflite/schema/mconv_tflite_generated.h"

namespace {

namespace fb = ::tflite;

// Converts `source` to `out` (.tflite or .onnx) at int8 with the built binary.
void convert_int8(const std::string& source, const std::string& out, const std::string& preset,
                  const std::string& flags = "") {
  const mconv::test::CommandResult r = mconv::test::run_command(
      "'" + mconv::test::mconv_binary() + "' convert '" + source + "' -o '" + out +
      "' --precision int8 --calib '" + mconv::test::shared_images_dir() +
      "' --calib-count 16 --split-groups 1 --preset " + preset + " " + flags);
  ASSERT_EQ(r.exit_code, 0) << r.output;
}

fb::BuiltinOperator code_of(const fb::Model* model, const fb::Operator* op) {
  const fb::OperatorCode* code = model->operator_codes()->Get(op->opcode_index());
  return static_cast<fb::BuiltinOperator>(
      std::max<int32_t>(code->deprecated_builtin_code(), code->builtin_code()));
}

float scale_of(const fb::Tensor* t) {
  const fb::QuantizationParameters* q = t->quantization();
  return q && q->scale() && q->scale()->size() == 1 ? q->scale()->Get(0) : NAN;
}

bool is_int8(const fb::Tensor* t) {
  return t->type() == fb::TensorType_INT8;
}

// Every operator of `path` is an int8 operator XNNPACK's delegate takes (with its scale
// bounds), except the float tail after the DEQUANTIZE (the Softmax left in float) and, unless
// `integer_only`, a float head before the first QUANTIZE (input scaling, stem convolution,
// hard-swish, first depthwise convolution: float ops XNNPACK takes, in the same partition).
void expect_xnnpack_int8_only(const std::string& path, bool integer_only) {
  auto bytes = mconv::read_file_bytes(path);
  ASSERT_TRUE(bytes.ok()) << bytes.status().message();
  const fb::Model* model = fb::GetModel(bytes->data());
  const fb::SubGraph* sg = model->subgraphs()->Get(0);
  const auto* tensors = sg->tensors();
  auto tensor = [&](int i) { return tensors->Get(static_cast<flatbuffers::uoffset_t>(i)); };
  const std::set<fb::BuiltinOperator> int8_ops = {fb::BuiltinOperator_ADD,
                                                  fb::BuiltinOperator_SUB,
                                                  fb::BuiltinOperator_MUL,
                                                  fb::BuiltinOperator_CONV_2D,
                                                  fb::BuiltinOperator_DEPTHWISE_CONV_2D,
                                                  fb::BuiltinOperator_FULLY_CONNECTED,
                                                  fb::BuiltinOperator_MEAN,
                                                  fb::BuiltinOperator_AVERAGE_POOL_2D,
                                                  fb::BuiltinOperator_MAX_POOL_2D,
                                                  fb::BuiltinOperator_CONCATENATION,
                                                  fb::BuiltinOperator_RESHAPE,
                                                  fb::BuiltinOperator_PAD,
                                                  fb::BuiltinOperator_QUANTIZE,
                                                  fb::BuiltinOperator_DEQUANTIZE};
  const std::set<fb::BuiltinOperator> float_head_ops = {
      fb::BuiltinOperator_ADD,     fb::BuiltinOperator_SUB,   fb::BuiltinOperator_MUL,
      fb::BuiltinOperator_CONV_2D, fb::BuiltinOperator_PAD,   fb::BuiltinOperator_DEPTHWISE_CONV_2D,
      fb::BuiltinOperator_RELU,    fb::BuiltinOperator_RELU6, fb::BuiltinOperator_QUANTIZE};
  bool float_head = true, float_tail = false;
  int checked = 0, head_ops = 0;
  for (const fb::Operator* op : *sg->operators()) {
    const fb::BuiltinOperator code = code_of(model, op);
    const std::string name = fb::EnumNameBuiltinOperator(code);
    EXPECT_NE(code, fb::BuiltinOperator_GATHER) << path;
    EXPECT_NE(code, fb::BuiltinOperator_TRANSPOSE) << path;
    EXPECT_NE(code, fb::BuiltinOperator_HARD_SWISH) << path << ": XNNPACK has no int8 HARD_SWISH";
    if (float_head && code != fb::BuiltinOperator_QUANTIZE) {
      EXPECT_TRUE(float_head_ops.count(code)) << path << ": float " << name << " in the head";
      EXPECT_FALSE(is_int8(tensor(op->outputs()->Get(0)))) << path << ": " << name;
      ++head_ops;
      continue;
    }
    float_head = false;
    if (float_tail) {
      EXPECT_EQ(code, fb::BuiltinOperator_SOFTMAX) << path << ": float " << name << " at the end";
      continue;
    }
    EXPECT_TRUE(int8_ops.count(code)) << path << ": " << name << " is not an XNNPACK int8 op";
    const fb::Tensor* out = tensor(op->outputs()->Get(0));
    if (code == fb::BuiltinOperator_DEQUANTIZE) {
      float_tail = true;  // only the float tail follows
      continue;
    }
    EXPECT_TRUE(is_int8(out)) << path << ": " << name << " writes " << out->name()->str();
    if (code == fb::BuiltinOperator_ADD || code == fb::BuiltinOperator_SUB) {
      for (int k = 0; k < 2; ++k) {
        const float ratio = scale_of(tensor(op->inputs()->Get(k))) / scale_of(out);
        EXPECT_TRUE(ratio >= std::ldexp(1.0f, -10) && ratio < 256.0f)
            << path << ": " << name << " writing " << out->name()->str() << " input " << k
            << " scale ratio " << ratio;
      }
      ++checked;
    }
    if (code == fb::BuiltinOperator_MUL) {
      const float ratio = scale_of(tensor(op->inputs()->Get(0))) *
                          scale_of(tensor(op->inputs()->Get(1))) / scale_of(out);
      EXPECT_TRUE(ratio >= std::ldexp(1.0f, -16) && ratio < 256.0f)
          << path << ": MUL writing " << out->name()->str() << " scale ratio " << ratio;
      ++checked;
    }
    if (code == fb::BuiltinOperator_MEAN) {  // XNNPACK: spatial means of 4-D tensors only
      const fb::Tensor* axes = tensor(op->inputs()->Get(1));
      const auto* data = model->buffers()->Get(axes->buffer())->data();
      ASSERT_TRUE(data && data->size() == 8) << path << ": MEAN axes";
      const int32_t* a = reinterpret_cast<const int32_t*>(data->data());
      EXPECT_TRUE((a[0] == 1 && a[1] == 2) || (a[0] == 2 && a[1] == 1)) << path;
    }
  }
  EXPECT_GT(checked, 10) << path << ": expected the ADD/MUL of hard-swish and squeeze-excite";
  if (integer_only) EXPECT_EQ(head_ops, 0) << path << ": float ops before the input QUANTIZE";
}

// No Gather anywhere; a Transpose only on a graph input (NHWC signature), possibly through its
// QuantizeLinear/DequantizeLinear.
void expect_onnx_without_gather_or_transpose(const std::string& path) {
  auto bytes = mconv::read_file_bytes(path);
  ASSERT_TRUE(bytes.ok()) << bytes.status().message();
  ::onnx::ModelProto model;
  ASSERT_TRUE(model.ParseFromArray(bytes->data(), static_cast<int>(bytes->size())));
  // Graph inputs, and what QuantizeLinear/DequantizeLinear make of them (still the input).
  std::set<std::string> inputs;
  for (const auto& in : model.graph().input()) inputs.insert(in.name());
  for (const auto& node : model.graph().node())
    if ((node.op_type() == "QuantizeLinear" || node.op_type() == "DequantizeLinear") &&
        inputs.count(node.input(0)))
      inputs.insert(node.output(0));
  int hardswish = 0, qdq = 0;
  for (const auto& node : model.graph().node()) {
    EXPECT_NE(node.op_type(), "Gather") << path << ": " << node.name();
    if (node.op_type() == "Transpose")
      EXPECT_TRUE(inputs.count(node.input(0))) << path << ": Transpose " << node.name();
    hardswish += node.op_type() == "HardSwish" || node.op_type() == "HardSigmoid";
    qdq += node.op_type() == "QuantizeLinear";
  }
  EXPECT_EQ(hardswish, 0) << path << ": hard-swish left to run in float between Q/DQ";
  EXPECT_GT(qdq, 50) << path;
}

struct Source {
  std::string file;    // in shared/data/models
  std::string preset;  // calibration preprocessing
};

class Int8FastGraph : public ::testing::TestWithParam<Source> {};

TEST_P(Int8FastGraph, XnnpackOpsOnlyAndNoGatherOrTranspose) {
  const std::string source = mconv::test::shared_models_dir() + "/" + GetParam().file;
  MCONV_REQUIRE_SHARED_FILE(source);
  const std::string dir = mconv::test::make_temp_dir("int8_fast_graph");
  convert_int8(source, dir + "/m_int8.tflite", GetParam().preset);
  convert_int8(source, dir + "/m_int8.onnx", GetParam().preset);
  convert_int8(source, dir + "/m_int8_integer.tflite", GetParam().preset, "--integer-only");
  expect_xnnpack_int8_only(dir + "/m_int8.tflite", false);
  expect_xnnpack_int8_only(dir + "/m_int8_integer.tflite", true);
  expect_onnx_without_gather_or_transpose(dir + "/m_int8.onnx");
}

INSTANTIATE_TEST_SUITE_P(Models, Int8FastGraph,
                         ::testing::Values(Source{"keras_mobilenet_v3_small_int8_dynrange.tflite",
                                                  "keras"},
                                           Source{"mobilenet_v3_small_op17.onnx", "torch"}),
                         [](const ::testing::TestParamInfo<Source>& info) {
                           return info.param.preset == "keras"
                                      ? std::string("KerasMobileNetV3Small")
                                      : std::string("TorchvisionOp17");
                         });

}  // namespace
