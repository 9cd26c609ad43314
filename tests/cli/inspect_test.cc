#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <random>

#include "cli_test_util.h"
#include "core/file_io.h"

namespace mconv::test {
namespace {

// The integer at the end of a line like "  Conv        52".
int64_t trailing_count(const std::string& line) {
  size_t pos = line.find_last_not_of("0123456789");
  return std::atoll(line.c_str() + (pos == std::string::npos ? 0 : pos + 1));
}

TEST(CliInspect, ShowsSignatureAndOpHistogram) {
  std::string model = model_file("mobilenet_v3_small_op17.onnx");
  MCONV_REQUIRE_SHARED_FILE(model);
  auto r = run_mconv("inspect " + shell_quote(model));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const std::string& out = r.output;
  EXPECT_NE(out.find("mobilenet_v3_small_op17.onnx (10,176,583 bytes"), std::string::npos) << out;
  EXPECT_NE(out.find("ONNX, opset 17"), std::string::npos) << out;
  EXPECT_NE(out.find("pytorch"), std::string::npos) << out;
  EXPECT_NE(out.find("f32[1,3,224,224]"), std::string::npos) << out;
  EXPECT_NE(out.find("NCHW"), std::string::npos) << out;
  EXPECT_NE(out.find("f32[1,1000]"), std::string::npos) << out;

  // The histogram lists ops with counts that add up to the node count, most frequent first.
  auto lines = lines_of(out);
  int64_t nodes = -1, sum = 0, previous = INT64_MAX, conv = 0;
  bool in_ops = false;
  for (const auto& line : lines) {
    if (line.rfind("nodes:", 0) == 0)
      nodes = std::atoll(line.c_str() + line.find_first_of("0123456789"));
    if (line == "ops:") {
      in_ops = true;
      continue;
    }
    if (!in_ops || line.rfind("  ", 0) != 0) continue;
    int64_t count = trailing_count(line);
    EXPECT_GT(count, 0) << line;
    EXPECT_LE(count, previous) << "histogram not sorted at: " << line;
    previous = count;
    sum += count;
    if (line.rfind("  Conv ", 0) == 0) conv = count;
  }
  EXPECT_GT(nodes, 0) << out;
  EXPECT_EQ(sum, nodes) << out;
  EXPECT_GT(conv, 0) << out;
  EXPECT_NE(out.find("HardSwish"), std::string::npos) << out;
  EXPECT_NE(out.find("parameters:"), std::string::npos) << out;
}

TEST(CliInspect, ShowsSymbolicBatchDim) {
  std::string model = model_file("mobilenet_v3_small_op17_dynbatch.onnx");
  MCONV_REQUIRE_SHARED_FILE(model);
  auto r = run_mconv("inspect " + shell_quote(model));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("f32[batch,3,224,224]"), std::string::npos) << r.output;
}

TEST(CliInspect, JsonHasTheSameFacts) {
  std::string model = model_file("mobilenet_v3_small_op17.onnx");
  MCONV_REQUIRE_SHARED_FILE(model);
  auto r = run_mconv("inspect --json " + shell_quote(model));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(r.output.front(), '{');
  EXPECT_NE(r.output.find("\"format\": \"ONNX\""), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("\"opset\": 17"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("\"shape\": [1, 3, 224, 224]"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("\"layout\": \"NCHW\""), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("\"Conv\": "), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("\"parameter_count\": "), std::string::npos) << r.output;
}

// Broken files: a non-zero exit (not a signal) and exactly one line naming the file.
void expect_one_line_failure(const std::string& path) {
  auto r = run_mconv("inspect " + shell_quote(path));
  EXPECT_NE(r.exit_code, 0) << path << ": " << r.output;
  EXPECT_LT(r.exit_code, 128) << path << " crashed: " << r.output;
  auto lines = lines_of(r.output);
  ASSERT_EQ(lines.size(), 1u) << path << ":\n" << r.output;
  EXPECT_EQ(lines[0].rfind("mconv: " + path + ": ", 0), 0u) << lines[0];
  EXPECT_EQ(r.output.back(), '\n');
}

TEST(CliInspect, BrokenFilesGiveOneLineErrors) {
  std::string dir = make_temp_dir("cli_inspect_broken");
  auto write = [&](const std::string& name, const std::vector<uint8_t>& bytes) {
    std::string path = dir + "/" + name;
    EXPECT_TRUE(write_file_atomic(path, bytes).ok());
    return path;
  };
  std::mt19937 rng(1234);
  std::vector<uint8_t> random(4096);
  for (auto& b : random) b = static_cast<uint8_t>(rng());
  std::string text = "This is a plain text file.\nIt is not a model.\n";

  std::vector<std::string> paths = {
      write("empty.onnx", {}),
      write("random.bin", random),
      write("random.onnx", random),
      write("notes.txt", std::vector<uint8_t>(text.begin(), text.end())),
      write("notes.onnx", std::vector<uint8_t>(text.begin(), text.end())),
      write("random.tflite", random),
      dir + "/does_not_exist.onnx",
  };
  std::string model = model_file("mobilenet_v3_small_op17.onnx");
  if (std::ifstream(model).good()) {
    auto bytes = read_file_bytes(model);
    ASSERT_TRUE(bytes.ok());
    bytes->resize(1000);
    paths.push_back(write("truncated.onnx", *bytes));
  } else {
    MCONV_REQUIRE_SHARED_FILE(model);
  }
  for (const auto& path : paths) expect_one_line_failure(path);

  auto empty = run_mconv("inspect " + shell_quote(dir + "/empty.onnx"));
  EXPECT_NE(empty.output.find("empty file"), std::string::npos) << empty.output;
  auto missing = run_mconv("inspect " + shell_quote(dir + "/does_not_exist.onnx"));
  EXPECT_NE(missing.output.find("no such file"), std::string::npos) << missing.output;
  auto truncated = run_mconv("inspect " + shell_quote(dir + "/truncated.onnx"));
  EXPECT_NE(truncated.output.find("truncated"), std::string::npos) << truncated.output;
}

}  // namespace
}  // namespace mconv::test
