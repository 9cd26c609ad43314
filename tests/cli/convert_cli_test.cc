// `mconv convert` reporting and same-format re-exports: the one-line summary, the --verbose pass
// log, ONNX -> ONNX at another opset (same outputs in ORT) and TFLite -> TFLite (FP32 weights).
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <string>

#include "convert_test_util.h"
#include "core/npy.h"

namespace mconv::test {
namespace {

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

int count_lines_starting(const std::string& text, const std::string& prefix) {
  int n = 0;
  for (const std::string& line : lines_of(text)) n += line.rfind(prefix, 0) == 0;
  return n;
}

TEST(ConvertCli, VerboseListsThePassesOfEachDirection) {
  const std::string onnx = model_file("mobilenet_v3_small_op17.onnx");
  const std::string keras = model_file("keras_mobilenet_v3_small_int8_dynrange.tflite");
  MCONV_REQUIRE_SHARED_FILE(onnx);
  MCONV_REQUIRE_SHARED_FILE(keras);
  const std::string dir = make_temp_dir("convert_verbose");

  const auto to_tflite =
      run_mconv("convert " + shell_quote(onnx) + " -o " + shell_quote(dir + "/m.tflite") + " -v");
  ASSERT_EQ(to_tflite.exit_code, 0) << to_tflite.output;
  EXPECT_TRUE(contains(to_tflite.output, "  fold_batchnorm: ")) << to_tflite.output;
  EXPECT_TRUE(contains(to_tflite.output, "  rewrite_for_nhwc: ")) << to_tflite.output;
  EXPECT_TRUE(contains(to_tflite.output, "f32[1,3,224,224]")) << to_tflite.output;  // source
  EXPECT_TRUE(contains(to_tflite.output, "f32[1,224,224,3]")) << to_tflite.output;  // target
  EXPECT_EQ(count_lines_starting(to_tflite.output, "wrote "), 1) << to_tflite.output;
  EXPECT_EQ(lines_of(to_tflite.output).back().rfind("wrote " + dir + "/m.tflite (TFLite fp32, ", 0), 0u)
      << to_tflite.output;
  EXPECT_TRUE(contains(to_tflite.output, " operators) from ")) << to_tflite.output;

  const auto to_onnx = run_mconv("convert " + shell_quote(keras) + " -o " +
                                 shell_quote(dir + "/k.onnx") + " --verbose");
  ASSERT_EQ(to_onnx.exit_code, 0) << to_onnx.output;
  EXPECT_TRUE(contains(to_onnx.output, "dequantized weights: 47 hybrid tensors")) << to_onnx.output;
  EXPECT_TRUE(contains(to_onnx.output, "  rewrite_for_nchw: ")) << to_onnx.output;
  EXPECT_FALSE(contains(to_onnx.output, "  rewrite_for_nchw: 0 changes")) << to_onnx.output;
  EXPECT_EQ(lines_of(to_onnx.output).back().rfind("wrote " + dir + "/k.onnx (ONNX fp32, ", 0), 0u)
      << to_onnx.output;
}

// ONNX -> ONNX re-exports at the requested opset; ORT gives the same logits as on the source.
TEST(ConvertCli, OnnxReexportAtAnotherOpset) {
  const std::string stem = "mobilenet_v3_small_op17_dynbatch";
  const std::string onnx = model_file(stem + ".onnx");
  const std::string input = model_file(stem + ".input.npy");
  MCONV_REQUIRE_SHARED_FILE(onnx);
  const std::string dir = make_temp_dir("convert_onnx_onnx");
  for (const char* opset : {"13", "18"}) {
    const std::string out = dir + "/op" + opset + ".onnx";
    const auto r =
        run_mconv("convert " + shell_quote(onnx) + " -o " + shell_quote(out) + " --opset " + opset);
    ASSERT_EQ(r.exit_code, 0) << r.output;
    const auto info = run_mconv("inspect " + shell_quote(out));
    EXPECT_TRUE(contains(info.output, std::string("ONNX, opset ") + opset)) << info.output;
    EXPECT_TRUE(contains(info.output, "f32[batch,3,224,224]")) << info.output;
    for (const std::string& model : {onnx, out}) {
      const auto run =
          run_mconv("run " + shell_quote(model) + " -i " + shell_quote(input) + " -o " +
                    shell_quote(model == onnx ? dir + "/ref.npy" : out + ".npy"));
      ASSERT_EQ(run.exit_code, 0) << run.output;
    }
    auto ref = read_npy(dir + "/ref.npy");
    auto got = read_npy(out + ".npy");
    ASSERT_TRUE(ref.ok() && got.ok());
    const double rel = relative_difference(*got, *ref);
    std::printf("[ convert ] %s -> opset %s: max|diff|/max|ref| = %.3g\n", stem.c_str(), opset,
                rel);
    EXPECT_LE(rel, 1e-5);
  }
}

// TFLite -> TFLite: the dynamic-range file becomes plain FP32, still NHWC, no TRANSPOSE added.
TEST(ConvertCli, TfliteReexportIsFp32) {
  const std::string keras = model_file("keras_mobilenet_v3_small_int8_dynrange.tflite");
  MCONV_REQUIRE_SHARED_FILE(keras);
  const std::string out = make_temp_dir("convert_tflite_tflite") + "/fp32.tflite";
  const auto r = run_mconv("convert " + shell_quote(keras) + " -o " + shell_quote(out));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const auto original = run_mconv("inspect " + shell_quote(keras));
  const auto info = run_mconv("inspect " + shell_quote(out));
  ASSERT_EQ(info.exit_code, 0) << info.output;
  EXPECT_TRUE(contains(info.output, "f32[batch,224,224,3]")) << info.output;
  // The source's 47 int8 weight tensors come back as plain FP32: no quantization left, and the
  // file is about four times larger.
  EXPECT_TRUE(contains(original.output, "quantized:   47 tensors")) << original.output;
  EXPECT_FALSE(contains(info.output, "quantized:")) << info.output;
  EXPECT_GT(std::filesystem::file_size(out), 3 * std::filesystem::file_size(keras));
  EXPECT_EQ(inspect_op_count(info.output, "Transpose"), 0) << info.output;
  EXPECT_EQ(inspect_op_count(info.output, "Conv"), inspect_op_count(original.output, "Conv"));
}

}  // namespace
}  // namespace mconv::test
