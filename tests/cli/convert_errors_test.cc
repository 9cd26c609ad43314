// Bad input to `mconv convert`: every failure is one line on stderr with a non-zero exit code,
// and no output file appears (nor a temporary one); an existing output file is left untouched.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "convert_test_util.h"
#include "core/file_io.h"

namespace mconv::test {
namespace {

std::string keras_path() {
  return model_file("keras_mobilenet_v3_small_int8_dynrange.tflite");
}

// Runs `convert <args>` in a fresh directory and checks the failure contract. Returns the line.
std::string expect_failure(const std::string& args, int exit_code, const std::string& dir) {
  const std::vector<std::string> before = directory_entries(dir);
  const auto r = run_mconv("convert " + args);
  EXPECT_EQ(r.exit_code, exit_code) << args << ": " << r.output;
  const auto lines = lines_of(r.output);
  EXPECT_EQ(lines.size(), 1u) << args << ": " << r.output;
  EXPECT_EQ(r.output.rfind("mconv: ", 0), 0u) << r.output;
  EXPECT_EQ(directory_entries(dir), before) << args << " left files behind";
  return lines.empty() ? "" : lines[0];
}

void write_bytes(const std::string& path, const std::vector<uint8_t>& bytes) {
  std::ofstream(path, std::ios::binary)
      .write(reinterpret_cast<const char*>(bytes.data()),
             static_cast<std::streamsize>(bytes.size()));
}

TEST(ConvertErrors, CommandLineMistakesAreUsageErrors) {
  const std::string model = model_file("mobilenet_v3_small_op17.onnx");
  MCONV_REQUIRE_SHARED_FILE(model);
  const std::string dir = make_temp_dir("convert_usage");
  const std::string m = shell_quote(model);
  const std::string pb = expect_failure(m + " -o " + shell_quote(dir + "/out.pb"), 2, dir);
  EXPECT_NE(pb.find("unsupported output extension '.pb'"), std::string::npos) << pb;
  // (-o DIR without a model extension is the all-variants mode: convert_dir_test.cc)
  expect_failure(m, 2, dir);                                           // no -o
  expect_failure(m + " " + shell_quote(dir + "/out.tflite"), 2, dir);  // OUT as an operand
  expect_failure(m + " -o " + shell_quote(dir + "/out.onnx") + " --opset 12", 2, dir);
  expect_failure(m + " -o " + shell_quote(dir + "/out.onnx") + " --opset 19", 2, dir);
  expect_failure(m + " -o " + shell_quote(dir + "/out.tflite") + " --opset 17", 2, dir);
  expect_failure(m + " -o " + shell_quote(dir + "/out.onnx") + " --keep-nchw-input", 2, dir);
  expect_failure(m + " -o " + shell_quote(dir + "/out.tflite") + " --nchw-input", 2, dir);
  expect_failure(m + " -o " + shell_quote(dir + "/out.tflite") + " --bogus", 2, dir);
}

TEST(ConvertErrors, UnreadableSourceFailsWithoutOutput) {
  const std::string dir = make_temp_dir("convert_unreadable");
  const std::string missing = expect_failure(
      shell_quote(dir + "/missing.onnx") + " -o " + shell_quote(dir + "/out.tflite"), 1, dir);
  EXPECT_NE(missing.find("missing.onnx: no such file"), std::string::npos) << missing;
  std::filesystem::create_directory(dir + "/folder.tflite");
  const std::string folder = expect_failure(
      shell_quote(dir + "/folder.tflite") + " -o " + shell_quote(dir + "/out.onnx"), 1, dir);
  EXPECT_NE(folder.find("is a directory"), std::string::npos) << folder;
  write_bytes(dir + "/empty.onnx", {});
  expect_failure(shell_quote(dir + "/empty.onnx") + " -o " + shell_quote(dir + "/out.tflite"), 1,
                 dir);
}

TEST(ConvertErrors, CorruptTfliteFailsWithoutOutput) {
  MCONV_REQUIRE_SHARED_FILE(keras_path());
  auto bytes = read_file_bytes(keras_path());
  ASSERT_TRUE(bytes.ok()) << bytes.status().message();
  const std::string dir = make_temp_dir("convert_corrupt");

  // Cut in half: the buffers point past the end of the file.
  write_bytes(dir + "/truncated.tflite",
              std::vector<uint8_t>(bytes->begin(), bytes->begin() + bytes->size() / 2));
  // The root table offset points far outside the file.
  std::vector<uint8_t> bad_root = *bytes;
  bad_root[0] = bad_root[1] = bad_root[2] = 0xff;
  bad_root[3] = 0x7f;
  write_bytes(dir + "/bad_root.tflite", bad_root);
  // Not a flatbuffer at all.
  write_bytes(dir + "/text.tflite", std::vector<uint8_t>(64, 'x'));

  for (const std::string name : {"truncated.tflite", "bad_root.tflite", "text.tflite"}) {
    for (const std::string target : {"out.onnx", "out.tflite"}) {
      const std::string line = expect_failure(
          shell_quote(dir + "/" + name) + " -o " + shell_quote(dir + "/" + target), 1, dir);
      EXPECT_NE(line.find(name), std::string::npos) << line;  // the error names the file
    }
  }
}

// A model the ONNX exporter cannot express (fully quantized uint8 TFLite, no explicit
// DequantizeLinear) fails after import and the layout pass: the error names the node, and an
// existing output file keeps its old content.
TEST(ConvertErrors, FailedConversionLeavesExistingOutputAlone) {
  const std::string quantized = model_file("atu_v3-small_224_1.0_uint8.tflite");
  MCONV_REQUIRE_SHARED_FILE(quantized);
  const std::string dir = make_temp_dir("convert_quantized");
  const std::string out = dir + "/out.onnx";
  ASSERT_TRUE(write_file_atomic(out, std::string("old content")).ok());
  const std::string line =
      expect_failure(shell_quote(quantized) + " -o " + shell_quote(out), 1, dir);
  EXPECT_NE(line.find("node '"), std::string::npos) << line;
  auto kept = read_file_bytes(out);
  ASSERT_TRUE(kept.ok());
  EXPECT_TRUE(std::string(kept->begin(), kept->end()) == "old content")
      << "output overwritten (" << kept->size() << " bytes)";
}

TEST(ConvertErrors, BadOutputLocationsFailBeforeAnyWork) {
  const std::string model = model_file("mobilenet_v3_small_op17.onnx");
  MCONV_REQUIRE_SHARED_FILE(model);
  const std::string dir = make_temp_dir("convert_bad_output");
  const std::string no_dir = expect_failure(
      shell_quote(model) + " -o " + shell_quote(dir + "/no/such/dir/out.tflite"), 1, dir);
  EXPECT_NE(no_dir.find("does not exist"), std::string::npos) << no_dir;
  std::filesystem::create_directory(dir + "/taken.onnx");
  expect_failure(shell_quote(model) + " -o " + shell_quote(dir + "/taken.onnx"), 1, dir);

  // Converting a file onto itself is refused; the source is unchanged.
  std::filesystem::copy_file(model, dir + "/self.onnx");
  const auto size = std::filesystem::file_size(dir + "/self.onnx");
  const std::string self = expect_failure(
      shell_quote(dir + "/self.onnx") + " -o " + shell_quote(dir + "/./self.onnx"), 1, dir);
  EXPECT_NE(self.find("source"), std::string::npos) << self;
  EXPECT_EQ(std::filesystem::file_size(dir + "/self.onnx"), size);
}

}  // namespace
}  // namespace mconv::test
