// `mconv verify`: converted files pass against their source; a file with one conv weight tensor
// scaled in its bytes fails and the first divergent layer named is that conv's.
#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "cli_test_util.h"

namespace mconv::test {
namespace {

std::vector<uint8_t> read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void write_bytes(const std::string& path, const std::vector<uint8_t>& bytes) {
  std::ofstream out(path, std::ios::binary);
  out.write(reinterpret_cast<const char*>(bytes.data()),
            static_cast<std::streamsize>(bytes.size()));
}

// Offset of every occurrence of `needle` in `hay`.
std::vector<size_t> find_all(const std::vector<uint8_t>& hay, const std::vector<uint8_t>& needle) {
  std::vector<size_t> at;
  for (auto it = hay.begin();
       (it = std::search(it, hay.end(), needle.begin(), needle.end())) != hay.end(); ++it)
    at.push_back(static_cast<size_t>(it - hay.begin()));
  return at;
}

// The raw_data bytes of the ONNX initializer `name`: TensorProto fields are serialized in field
// order, so its name (field 8, tag 0x42) is followed by raw_data (field 9, tag 0x4a) and a varint
// length. Returns {offset, size} of the data, or {0, 0} when the layout is not that.
std::pair<size_t, size_t> onnx_raw_data(const std::vector<uint8_t>& bytes,
                                        const std::string& name) {
  std::vector<uint8_t> key = {0x42, static_cast<uint8_t>(name.size())};
  key.insert(key.end(), name.begin(), name.end());
  for (size_t at : find_all(bytes, key)) {
    size_t p = at + key.size();
    if (p >= bytes.size() || bytes[p] != 0x4a) continue;
    ++p;
    size_t length = 0;
    for (int shift = 0; p < bytes.size(); shift += 7) {
      length |= static_cast<size_t>(bytes[p] & 0x7f) << shift;
      if (!(bytes[p++] & 0x80)) break;
    }
    if (p + length <= bytes.size()) return {p, length};
  }
  return {0, 0};
}

void scale_floats(std::vector<uint8_t>& bytes, size_t offset, size_t size, float factor) {
  for (size_t i = offset; i + 4 <= offset + size; i += 4) {
    float f;
    std::memcpy(&f, &bytes[i], 4);
    f *= factor;
    std::memcpy(&bytes[i], &f, 4);
  }
}

// The line of `text` starting with `prefix` (after leading spaces), or "".
std::string line_with(const std::string& text, const std::string& prefix) {
  for (const std::string& line : lines_of(text)) {
    const size_t start = line.find_first_not_of(' ');
    if (start != std::string::npos && line.compare(start, prefix.size(), prefix) == 0) return line;
  }
  return "";
}

// The 5th Conv of torchvision's MobileNetV3-Small in topological order: the 1x1 projection of
// features.1 (16 -> 16 channels, no activation after it). Its weight initializer in the torch
// export, and its output value name, kept by mconv in both formats.
constexpr const char* kFifthConvWeight = "onnx::Conv_408";
constexpr const char* kFifthConvOutput =
    "/features/features.1/block/block.2/block.2.0/Conv_output_0";

class VerifyTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new std::string(make_temp_dir("verify"));
    if (!std::ifstream(source()).good()) return;
    for (const char* ext : {"tflite", "onnx"}) {
      const CommandResult r =
          run_mconv("convert " + shell_quote(source()) + " -o " + shell_quote(converted(ext)));
      ASSERT_EQ(r.exit_code, 0) << r.output;
    }
  }
  static void TearDownTestSuite() {
    delete dir_;
    dir_ = nullptr;
  }
  void SetUp() override {
    MCONV_REQUIRE_SHARED_FILE(source());
    MCONV_REQUIRE_SHARED_FILE(shared_images_dir() + "/labels.csv");
  }
  static std::string source() { return model_file("mobilenet_v3_small_op17.onnx"); }
  static std::string converted(const std::string& ext) { return *dir_ + "/m_fp32." + ext; }
  static std::string path(const std::string& name) { return *dir_ + "/" + name; }
  static CommandResult verify(const std::string& model, const std::string& extra = "") {
    return run_mconv("verify " + shell_quote(model) + " --reference " + shell_quote(source()) +
                     " --images " + shell_quote(shared_images_dir()) + " --count 20 " + extra);
  }
  static std::string* dir_;
};
std::string* VerifyTest::dir_ = nullptr;

TEST_F(VerifyTest, ConvertedFp32FilesPassWithFullAgreement) {
  for (const char* ext : {"tflite", "onnx"}) {
    const CommandResult r = verify(converted(ext));
    EXPECT_EQ(r.exit_code, 0) << r.output;
    EXPECT_NE(r.output.find("agreement    top-1 100.0% (20 samples)"), std::string::npos)
        << r.output;
    EXPECT_NE(line_with(r.output, "verdict").find("PASS (fp32"), std::string::npos) << r.output;
    // Outputs agree, so no per-layer diagnosis is printed without --layers.
    EXPECT_EQ(r.output.find("first divergent layer"), std::string::npos) << r.output;
  }
}

TEST_F(VerifyTest, LayersOfAGoodFileAllMatchAndNoneDiverges) {
  const CommandResult r = verify(converted("tflite"), "--layers --json");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  // 122 nodes in the source, each output matched (by name or as a fused conv's pre-activation).
  EXPECT_NE(r.output.find("\"matched\": 122"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("\"first_divergent\": null"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("\"transposed\": true"), std::string::npos) << r.output;
  EXPECT_EQ(r.output.find("\"diverged\": true"), std::string::npos) << r.output;
}

TEST_F(VerifyTest, Fp16FilesAreVerifiedWithFp16ToleranceAndLayerByLayer) {
  for (const char* ext : {"onnx", "tflite"}) {
    const std::string fp16 = path(std::string("m_fp16.") + ext);
    const CommandResult c = run_mconv("convert " + shell_quote(source()) + " -o " +
                                      shell_quote(fp16) + " --precision fp16");
    ASSERT_EQ(c.exit_code, 0) << c.output;
    const CommandResult r = verify(fp16, "--layers");
    EXPECT_EQ(r.exit_code, 0) << r.output;
    // Precision from the file: f16 values (ONNX) or f16-exact weights (TFLite DEQUANTIZE).
    EXPECT_NE(line_with(r.output, "verdict").find("PASS (fp16"), std::string::npos) << r.output;
    EXPECT_NE(r.output.find("matched 122 of 122 reference values"), std::string::npos) << r.output;
    EXPECT_NE(r.output.find("no matched layer diverges"), std::string::npos) << r.output;
  }
}

TEST_F(VerifyTest, BrokenOnnxConvIsNamedAsFirstDivergentLayer) {
  std::vector<uint8_t> bytes = read_bytes(converted("onnx"));
  const auto [offset, size] = onnx_raw_data(bytes, kFifthConvWeight);
  ASSERT_EQ(size, 16u * 16u * 4u) << "initializer layout not as expected";
  scale_floats(bytes, offset, size, 3.0f);
  const std::string broken = path("broken.onnx");
  write_bytes(broken, bytes);

  const CommandResult r = verify(broken);
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_NE(line_with(r.output, "verdict").find("FAILED"), std::string::npos) << r.output;
  const std::string first = line_with(r.output, "first divergent layer:");
  EXPECT_NE(first.find(std::string(kFifthConvOutput) + " (Conv"), std::string::npos) << r.output;
  // The layer before it (the SE block's Mul) is still good.
  EXPECT_NE(
      line_with(r.output, "previous good layer:").find("/features/features.1/block/block.1/Mul"),
      std::string::npos)
      << r.output;
}

TEST_F(VerifyTest, BrokenTfliteConvIsNamedAsFirstDivergentLayer) {
  // A 1x1 conv's weights are the same bytes in ONNX (OIHW) and TFLite (OHWI): find the source's
  // weights in the .tflite buffer and scale them there.
  const std::vector<uint8_t> onnx = read_bytes(source());
  const auto [offset, size] = onnx_raw_data(onnx, kFifthConvWeight);
  ASSERT_EQ(size, 16u * 16u * 4u);
  const std::vector<uint8_t> weights(onnx.begin() + offset, onnx.begin() + offset + size);
  std::vector<uint8_t> bytes = read_bytes(converted("tflite"));
  const std::vector<size_t> at = find_all(bytes, weights);
  ASSERT_EQ(at.size(), 1u);
  scale_floats(bytes, at[0], size, 3.0f);
  const std::string broken = path("broken.tflite");
  write_bytes(broken, bytes);

  const CommandResult r = verify(broken, "--json");
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_NE(r.output.find("\"verdict\": \"FAILED\""), std::string::npos) << r.output;
  const size_t first = r.output.find("\"first_divergent\": {");
  ASSERT_NE(first, std::string::npos) << r.output;
  const std::string block = r.output.substr(first, r.output.find('}', first) - first);
  EXPECT_NE(block.find(std::string("\"reference_value\": \"") + kFifthConvOutput + "\""),
            std::string::npos)
      << block;
  EXPECT_NE(block.find("\"candidate_op\": \"Conv\""), std::string::npos) << block;
  EXPECT_NE(block.find("\"transposed\": true"), std::string::npos) << block;
}

TEST(VerifyKerasTest, Int8TfliteAgainstDynamicRangeSourceListsDequantizedLayers) {
  const std::string keras = model_file("keras_mobilenet_v3_small_int8_dynrange.tflite");
  MCONV_REQUIRE_SHARED_FILE(keras);
  const std::string images = shared_images_dir();
  MCONV_REQUIRE_SHARED_FILE(images + "/labels.csv");
  const std::string dir = make_temp_dir("verify_keras");
  const std::string k_int8 = dir + "/k_int8.tflite";
  const CommandResult c =
      run_mconv("convert " + shell_quote(keras) + " -o " + shell_quote(k_int8) +
                " --precision int8 --calib " + shell_quote(images) + " --calib-count 100");
  ASSERT_EQ(c.exit_code, 0) << c.output;

  const CommandResult r = run_mconv("verify " + shell_quote(k_int8) + " --reference " +
                                    shell_quote(keras) + " --images " + shell_quote(images) +
                                    " --offset 100 --count 20 --preset keras --layers");
  ASSERT_TRUE(r.exit_code == 0 || r.exit_code == 1) << r.output;
  EXPECT_NE(r.output.find("model        " + k_int8 + " (TFLite, int8"), std::string::npos)
      << r.output;
  EXPECT_NE(r.output.find("per-layer check on the first image"), std::string::npos) << r.output;
  // The candidate's values are int8 with new names: matched by op sequence and dequantized; the
  // source's output (softmax) is matched by name.
  const std::string matched = line_with(r.output, "matched ");
  int total = 0, of = 0, by_name = 0, by_sequence = 0, transposed = 0, dequantized = 0;
  ASSERT_EQ(std::sscanf(matched.c_str(),
                        " matched %d of %d reference values (%d by name, %d by op sequence; %d "
                        "transposed, %d dequantized)",
                        &total, &of, &by_name, &by_sequence, &transposed, &dequantized),
            6)
      << r.output;
  EXPECT_GT(by_sequence, 40) << r.output;
  EXPECT_GE(by_name, 1) << r.output;
  EXPECT_EQ(total, by_name + by_sequence);
  EXPECT_GT(dequantized, 40) << r.output;  // int8 candidate tensors compared as real values
  EXPECT_EQ(transposed, 0) << r.output;    // both NHWC
  EXPECT_NE(r.output.find("Softmax"), std::string::npos) << r.output;
  // The softmax outputs still agree closely (int8 within its tolerance).
  const std::string cosine = line_with(r.output, "cosine");
  double mean = 0;
  ASSERT_EQ(std::sscanf(cosine.c_str(), "cosine mean %lf", &mean), 1) << r.output;
  EXPECT_GT(mean, 0.95);
}

TEST(VerifyUsageTest, MissingReferenceIsAUsageError) {
  const CommandResult r = run_mconv("verify model.onnx --images dir");
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("--reference"), std::string::npos) << r.output;
}

}  // namespace
}  // namespace mconv::test
