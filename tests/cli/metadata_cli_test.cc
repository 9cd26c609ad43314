// Model metadata through the command line: convert writes it (labels, normalization from the
// preset), inspect shows it, a conversion carries it from TFLite to ONNX, preprocess --model and
// verify take their preset from it, and bad --labels are refused before anything is written.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "cli/cli_test_util.h"

namespace mconv::test {
namespace {

std::string keras() {
  return model_file("keras_mobilenet_v3_small_int8_dynrange.tflite");
}

std::string read_all(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

TEST(MetadataCli, ConvertWritesInspectShowsOnnxCarries) {
  MCONV_REQUIRE_SHARED_FILE(keras());
  const std::string dir = make_temp_dir("metadata_cli");
  const std::string tfl = dir + "/m.tflite";
  auto r = run_mconv("convert " + shell_quote(keras()) + " -o " + shell_quote(tfl) +
                     " --labels imagenet --author 'A. Author' --license MIT");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  r = run_mconv("inspect " + shell_quote(tfl));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("author:" + std::string(10, ' ') + "A. Author"), std::string::npos)
      << r.output;
  EXPECT_NE(r.output.find("license:" + std::string(9, ' ') + "MIT"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("parser version:  1.0.0"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("RGB 224x224 NHWC, input = (pixel - [0, 0, 0]) / [1, 1, 1] (preset "
                          "keras)"),
            std::string::npos)
      << r.output;
  EXPECT_NE(r.output.find("labels:" + std::string(10, ' ') +
                          "1000 (tench, Tinca tinca ... toilet tissue"),
            std::string::npos)
      << r.output;
  r = run_mconv("inspect --json " + shell_quote(tfl));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("\"min_parser_version\": \"1.0.0\""), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("\"goldfish, Carassius auratus\""), std::string::npos);

  // TFLite -> ONNX: the metadata travels as metadata_props.
  const std::string onnx = dir + "/m.onnx";
  r = run_mconv("convert " + shell_quote(tfl) + " -o " + shell_quote(onnx));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  r = run_mconv("inspect " + shell_quote(onnx));
  EXPECT_NE(r.output.find("author:" + std::string(10, ' ') + "A. Author"), std::string::npos)
      << r.output;
  EXPECT_NE(r.output.find("(preset keras)"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("labels:" + std::string(10, ' ') + "1000 (tench"), std::string::npos)
      << r.output;

  // --no-metadata: none.
  const std::string bare = dir + "/bare.tflite";
  r = run_mconv("convert " + shell_quote(keras()) + " -o " + shell_quote(bare) + " --no-metadata");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  r = run_mconv("inspect " + shell_quote(bare));
  EXPECT_NE(r.output.find("metadata:   none"), std::string::npos) << r.output;
}

// Directory mode converts each variant from its own copy of the source (ir::Model::clone): every
// one of the six files carries the source's metadata, as a single-file conversion does.
TEST(MetadataCli, ConvertDirCarriesTheSourceMetadataIntoEveryVariant) {
  MCONV_REQUIRE_SHARED_FILE(keras());
  const std::string dir = make_temp_dir("metadata_cli_dir");
  const std::string tfl = dir + "/m.tflite";
  auto r = run_mconv("convert " + shell_quote(keras()) + " -o " + shell_quote(tfl) +
                     " --labels imagenet --author 'A. Author'");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  r = run_mconv("convert " + shell_quote(tfl) + " -o " + shell_quote(dir + "/out"));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  for (const char* file : {"m_fp32.onnx", "m_fp16.onnx", "m_int8.onnx", "m_fp32.tflite",
                           "m_fp16.tflite", "m_int8.tflite"}) {
    r = run_mconv("inspect " + shell_quote(dir + "/out/" + file));
    ASSERT_EQ(r.exit_code, 0) << file << "\n" << r.output;
    EXPECT_NE(r.output.find("author:" + std::string(10, ' ') + "A. Author"), std::string::npos)
        << file << "\n"
        << r.output;
    EXPECT_NE(r.output.find("labels:" + std::string(10, ' ') + "1000 (tench"), std::string::npos)
        << file << "\n"
        << r.output;
  }
}

TEST(MetadataCli, LabelCountMustMatchClasses) {
  MCONV_REQUIRE_SHARED_FILE(keras());
  const std::string dir = make_temp_dir("metadata_cli_labels");
  const std::string labels = dir + "/three.txt";
  std::ofstream(labels) << "cat\ndog\nbird\n";
  const std::string out = dir + "/m.tflite";
  auto r = run_mconv("convert " + shell_quote(keras()) + " -o " + shell_quote(out) + " --labels " +
                     shell_quote(labels));
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.output.find("3 labels for 1000 classes"), std::string::npos) << r.output;
  EXPECT_FALSE(std::filesystem::exists(out));
  r = run_mconv("convert " + shell_quote(keras()) + " -o " + shell_quote(out) + " --labels " +
                shell_quote(dir + "/missing.txt"));
  EXPECT_NE(r.exit_code, 0);
  EXPECT_FALSE(std::filesystem::exists(out));
}

TEST(MetadataCli, PreprocessTakesPresetLayoutAndSizeFromTheModel) {
  MCONV_REQUIRE_SHARED_FILE(keras());
  const std::string dir = make_temp_dir("metadata_cli_pre");
  const std::string images = shared_images_dir();
  // The pm1 preset recorded in the file decides the values; NHWC 224 comes from its input.
  const std::string tfl = dir + "/pm1.tflite";
  auto r =
      run_mconv("convert " + shell_quote(keras()) + " -o " + shell_quote(tfl) + " --preset pm1");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  r = run_mconv("preprocess " + shell_quote(images) + " --count 2 --model " + shell_quote(tfl) +
                " -o " + shell_quote(dir + "/a.npy"));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  r = run_mconv("preprocess " + shell_quote(images) +
                " --count 2 --preset pm1 --layout nhwc --size 224 -o " +
                shell_quote(dir + "/b.npy"));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(read_all(dir + "/a.npy"), read_all(dir + "/b.npy"));
  // And verify says which preset it used: the file's.
  r = run_mconv("verify " + shell_quote(tfl) + " --reference " + shell_quote(tfl) + " --images " +
                shell_quote(images) + " --count 2 --runs 1");
  EXPECT_NE(r.output.find("preset pm1"), std::string::npos) << r.output;
}

}  // namespace
}  // namespace mconv::test
