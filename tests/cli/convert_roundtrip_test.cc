// `mconv convert` both ways on every shared ONNX model: X.onnx -> X.tflite -> back.onnx must run
// in ONNX Runtime and match ORT on the original within 1e-4 relative on the stored inputs (two
// standard-normal rows). The TFLite file takes NHWC images, and so does back.onnx (the source's
// signature is kept, one Transpose after the input), so the stored NCHW input is transposed.
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "convert_test_util.h"
#include "core/npy.h"

namespace mconv::test {
namespace {

// `mconv run MODEL -i INPUT -o OUT` with ONNX Runtime; returns the output array.
Tensor run_ort(const std::string& model, const std::string& input, const std::string& out) {
  const auto r = run_mconv("run " + shell_quote(model) + " -i " + shell_quote(input) + " -o " +
                           shell_quote(out) + " --runtime ort --threads 2");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  auto t = read_npy(out);
  EXPECT_TRUE(t.ok()) << (t.ok() ? "" : t.status().message());
  return t.ok() ? std::move(*t) : Tensor();
}

std::string convert_ok(const std::string& args) {
  const auto r = run_mconv("convert " + args);
  EXPECT_EQ(r.exit_code, 0) << "convert " << args << ": " << r.output;
  EXPECT_EQ(lines_of(r.output).size(), 1u) << r.output;  // the one-line summary
  EXPECT_EQ(r.output.rfind("wrote ", 0), 0u) << r.output;
  return r.output;
}

std::string inspect(const std::string& model) {
  const auto r = run_mconv("inspect " + shell_quote(model));
  EXPECT_EQ(r.exit_code, 0) << r.output;
  return r.output;
}

class ConvertRoundTrip : public ::testing::TestWithParam<std::string> {};

TEST_P(ConvertRoundTrip, OnnxToTfliteToOnnxMatchesOrtOnTheOriginal) {
  const std::string stem = GetParam();
  const std::string original = model_file(stem + ".onnx");
  const std::string input = model_file(stem + ".input.npy");
  MCONV_REQUIRE_SHARED_FILE(original);
  MCONV_REQUIRE_SHARED_FILE(input);
  const std::string dir = make_temp_dir("convert_roundtrip_" + stem);
  const std::string tflite = dir + "/" + stem + ".tflite";
  const std::string back = dir + "/back.onnx";

  const std::string to_tflite = convert_ok(shell_quote(original) + " -o " + shell_quote(tflite));
  EXPECT_NE(to_tflite.find("(TFLite fp32, "), std::string::npos) << to_tflite;
  const std::string tflite_info = inspect(tflite);
  EXPECT_NE(tflite_info.find(",224,224,3]"), std::string::npos) << tflite_info;
  EXPECT_EQ(inspect_op_count(tflite_info, "Transpose"), 0) << tflite_info;

  convert_ok(shell_quote(tflite) + " -o " + shell_quote(back));
  const std::string back_info = inspect(back);
  EXPECT_NE(back_info.find("ONNX, opset 17"), std::string::npos) << back_info;
  EXPECT_NE(back_info.find(",224,224,3]"), std::string::npos) << back_info;  // NHWC input kept
  EXPECT_EQ(inspect_op_count(back_info, "Transpose"), 1) << back_info;       // only at the input
  EXPECT_EQ(inspect_op_count(back_info, "Conv"), inspect_op_count(inspect(original), "Conv"));

  auto stored = read_npy(input);
  ASSERT_TRUE(stored.ok()) << stored.status().message();
  ASSERT_EQ(stored->shape(), (std::vector<int64_t>{2, 3, 224, 224}));
  const std::string nhwc_input = dir + "/input_nhwc.npy";
  ASSERT_TRUE(write_npy(nhwc_input, nchw_to_nhwc(*stored)).ok());

  const Tensor reference = run_ort(original, input, dir + "/reference.npy");
  const Tensor converted = run_ort(back, nhwc_input, dir + "/back.npy");
  ASSERT_EQ(reference.shape(), (std::vector<int64_t>{2, 1000}));
  const double rel = relative_difference(converted, reference);
  std::printf(
      "[ convert ] %s -> .tflite -> .onnx vs ORT on the original: max|diff|/max|ref| = %.3g\n",
      stem.c_str(), rel);
  EXPECT_LE(rel, 1e-4) << stem;
}

// Every ONNX model in the shared folder (the five documented ones when the folder is missing,
// so that the tests exist and report the missing data).
std::vector<std::string> shared_onnx_stems() {
  std::vector<std::string> stems;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(shared_models_dir(), ec))
    if (entry.path().extension() == ".onnx") stems.push_back(entry.path().stem().string());
  if (stems.empty())
    stems = {"mobilenet_v3_small_op11", "mobilenet_v3_small_op13", "mobilenet_v3_small_op17",
             "mobilenet_v3_small_op17_dynbatch", "mobilenet_v2_op13"};
  std::sort(stems.begin(), stems.end());
  return stems;
}

INSTANTIATE_TEST_SUITE_P(SharedModels, ConvertRoundTrip, ::testing::ValuesIn(shared_onnx_stems()),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           std::string name = info.param;
                           for (char& c : name)
                             if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
                           return name;
                         });

// NCHW all the way: --keep-nchw-input gives a TFLite file taking [1,3,224,224] (one TRANSPOSE
// after the input); converting that back absorbs the TRANSPOSE, so the ONNX model has the
// original signature and no Transpose at all. --nchw-input gives the same from the NHWC file.
TEST(ConvertRoundTripNchw, NchwInputOptionsGiveBackTheOriginalSignature) {
  const std::string stem = "mobilenet_v3_small_op17";
  const std::string original = model_file(stem + ".onnx");
  const std::string input = model_file(stem + ".input.npy");
  MCONV_REQUIRE_SHARED_FILE(original);
  const std::string dir = make_temp_dir("convert_roundtrip_nchw");

  convert_ok(shell_quote(original) + " -o " + shell_quote(dir + "/nchw.tflite") +
             " --keep-nchw-input");
  const std::string tflite_info = inspect(dir + "/nchw.tflite");
  EXPECT_NE(tflite_info.find("f32[1,3,224,224]"), std::string::npos) << tflite_info;
  EXPECT_EQ(inspect_op_count(tflite_info, "Transpose"), 1) << tflite_info;
  convert_ok(shell_quote(dir + "/nchw.tflite") + " -o " + shell_quote(dir + "/from_nchw.onnx"));

  convert_ok(shell_quote(original) + " -o " + shell_quote(dir + "/nhwc.tflite"));
  convert_ok(shell_quote(dir + "/nhwc.tflite") + " -o " + shell_quote(dir + "/nchw_input.onnx") +
             " --nchw-input --opset 13");

  const Tensor reference = run_ort(original, input, dir + "/reference.npy");
  for (const std::string name : {"from_nchw.onnx", "nchw_input.onnx"}) {
    const std::string info = inspect(dir + "/" + name);
    EXPECT_NE(info.find("f32[1,3,224,224]"), std::string::npos) << name << "\n" << info;
    EXPECT_EQ(inspect_op_count(info, "Transpose"), 0) << name << "\n" << info;
    const double rel =
        relative_difference(run_ort(dir + "/" + name, input, dir + "/" + name + ".npy"), reference);
    std::printf("[ convert ] %s (%s) vs ORT on the original: max|diff|/max|ref| = %.3g\n",
                stem.c_str(), name.c_str(), rel);
    EXPECT_LE(rel, 1e-4) << name;
  }
  EXPECT_NE(inspect(dir + "/nchw_input.onnx").find("ONNX, opset 13"), std::string::npos);
}

}  // namespace
}  // namespace mconv::test
