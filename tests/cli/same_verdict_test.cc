// `mconv convert -o DIR` and `mconv verify` judge a written file the same way: for every variant
// of a real model, verifying it against the same source on the same images gives the verdict,
// runtime and agreement report.json recorded (one Runtime interface, one verdict function).
#include <filesystem>

#include "../report/mini_json.h"
#include "cli_test_util.h"

namespace mconv::test {
namespace {

// The JSON document in `output` (stdout and stderr are merged; JSON starts at the first '{').
Json json_in(const std::string& output) {
  const size_t start = output.find('{'), end = output.rfind('}');
  if (start == std::string::npos || end == std::string::npos) throw std::runtime_error(output);
  return JsonReader::parse(output.substr(start, end - start + 1));
}

std::string read_text(const std::string& path) {
  std::ifstream in(path);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

TEST(SameVerdict, ConvertAndVerifyAgreeOnEveryVariant) {
  const std::string source = model_file("keras_mobilenet_v3_small_int8_dynrange.tflite");
  MCONV_REQUIRE_SHARED_FILE(source);
  MCONV_REQUIRE_SHARED_FILE(shared_images_dir() + "/labels.csv");
  const std::string dir = make_temp_dir("same_verdict");
  const std::string images = shell_quote(shared_images_dir());
  // Images 100..123 verify; LiteRT's sample is off so both commands judge in the same runtime
  // (ONNX Runtime for .onnx, native TensorFlow Lite for .tflite: each format's default).
  const CommandResult convert = run_mconv(
      "convert " + shell_quote(source) + " -o " + shell_quote(dir) +
      " --name m --precisions fp32,fp16,int8 --calib " + images + " --calib-count 8 --val " +
      images + " --val-offset 100 --val-count 24 --litert-sample 0 --threads 1");
  // Exit 1 only says some variant FAILED; that verdict is compared below like a PASS.
  ASSERT_TRUE(convert.exit_code == 0 || convert.exit_code == 1) << convert.output;
  const Json report = JsonReader::parse(read_text(dir + "/report.json"));
  const Json& variants = report["variants"];
  ASSERT_EQ(variants.items.size(), 6u) << convert.output;
  int passed = 0;
  for (const Json& v : variants.items) {
    const std::string file = dir + "/" + v["path"].text;
    SCOPED_TRACE(file);
    const CommandResult verify =
        run_mconv("verify " + shell_quote(file) + " --reference " + shell_quote(source) +
                  " --images " + images + " --offset 100 --count 24 --runs 1 --json");
    const Json j = json_in(verify.output);
    const bool convert_pass = v["verdict"].text == "PASS";
    EXPECT_EQ(j["verdict"].text, v["verdict"].text) << v["reason"].text << "\n" << verify.output;
    EXPECT_EQ(verify.exit_code, convert_pass ? 0 : 1) << verify.output;
    EXPECT_EQ(j["runtime"].text, v["runtime"].text);
    EXPECT_EQ(j["precision"].text, v["precision"].text);
    EXPECT_EQ(j["samples"].number, v["samples"].number);
    EXPECT_DOUBLE_EQ(j["top1_agreement"].number, v["top1_agreement"].number);
    EXPECT_NEAR(j["cosine_mean"].number, v["cosine"].number, 1e-9);
    passed += convert_pass;
  }
  // The float variants of a real model must pass; a test where everything fails proves little.
  EXPECT_GE(passed, 4) << convert.output;
}

}  // namespace
}  // namespace mconv::test
