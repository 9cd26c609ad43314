#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>

#include "cli_test_util.h"
#include "core/file_io.h"
#include "core/npy.h"

namespace mconv::test {
namespace {

// Largest absolute difference between two same-shaped float arrays.
float max_abs_diff(const Tensor& a, const Tensor& b) {
  auto x = a.to_f32();
  auto y = b.to_f32();
  float worst = 0;
  for (size_t i = 0; i < x.size(); ++i) worst = std::max(worst, std::fabs(x[i] - y[i]));
  return worst;
}

// Runs `stem`.onnx on its stored input with `runtime` and compares with torch's output.
void expect_matches_torch(const std::string& stem, const std::string& runtime) {
  std::string model = model_file(stem + ".onnx");
  std::string input = model_file(stem + ".input.npy");
  std::string expected_path = model_file(stem + ".torch_output.npy");
  MCONV_REQUIRE_SHARED_FILE(model);
  std::string out = make_temp_dir("cli_run_" + runtime) + "/logits.npy";
  auto r = run_mconv("run " + shell_quote(model) + " --input " + shell_quote(input) + " --output " +
                     shell_quote(out) + " --runtime " + runtime + " --threads 2");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  auto actual = read_npy(out);
  auto expected = read_npy(expected_path);
  ASSERT_TRUE(actual.ok()) << actual.status().message();
  ASSERT_TRUE(expected.ok()) << expected.status().message();
  ASSERT_EQ(actual->shape(), expected->shape()) << r.output;
  ASSERT_EQ(actual->shape(), (std::vector<int64_t>{2, 1000}));
  EXPECT_LE(max_abs_diff(*actual, *expected), 1e-4f) << stem << " on " << runtime;
  // The two rows are different images: identical rows would mean one row was run twice.
  auto values = actual->to_f32();
  EXPECT_FALSE(std::equal(values.begin(), values.begin() + 1000, values.begin() + 1000));
}

TEST(CliRun, OrtStaticBatchRunsRowByRow) {
  expect_matches_torch("mobilenet_v3_small_op17", "ort");
}
TEST(CliRun, OrtDynamicBatch) {
  expect_matches_torch("mobilenet_v3_small_op17_dynbatch", "ort");
}
TEST(CliRun, RefStaticBatchRunsRowByRow) {
  expect_matches_torch("mobilenet_v3_small_op17", "ref");
}
TEST(CliRun, RefDynamicBatch) {
  expect_matches_torch("mobilenet_v3_small_op17_dynbatch", "ref");
}

TEST(CliRun, BindsByNameAndDefaultsToOrtForOnnx) {
  std::string model = model_file("mobilenet_v3_small_op17_dynbatch.onnx");
  std::string input = model_file("mobilenet_v3_small_op17_dynbatch.input.npy");
  MCONV_REQUIRE_SHARED_FILE(model);
  // The input name comes from the model's own signature, as `inspect --json` reports it.
  auto info = run_mconv("inspect --json " + shell_quote(model));
  ASSERT_EQ(info.exit_code, 0) << info.output;
  size_t at = info.output.find("\"inputs\"");
  at = info.output.find("\"name\": \"", at) + 9;
  std::string input_name = info.output.substr(at, info.output.find('"', at) - at);
  ASSERT_FALSE(input_name.empty());

  std::string out = make_temp_dir("cli_run_named") + "/y.npy";
  auto r = run_mconv("run " + shell_quote(model) + " -i " + shell_quote(input_name + "=" + input) +
                     " -o " + shell_quote(out));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("runtime: ort"), std::string::npos) << r.output;
  auto y = read_npy(out);
  auto expected = read_npy(model_file("mobilenet_v3_small_op17_dynbatch.torch_output.npy"));
  ASSERT_TRUE(y.ok() && expected.ok());
  EXPECT_LE(max_abs_diff(*y, *expected), 1e-4f);

  auto unknown = run_mconv("run " + shell_quote(model) + " -i " + shell_quote(input) + " -i " +
                           shell_quote(input));
  EXPECT_EQ(unknown.exit_code, 1) << unknown.output;
  EXPECT_NE(unknown.output.find("model has 1 input"), std::string::npos) << unknown.output;
}

// A failed run is one line on stderr and leaves no file behind.
TEST(CliRun, FailuresWriteNothing) {
  std::string model = model_file("mobilenet_v3_small_op17.onnx");
  MCONV_REQUIRE_SHARED_FILE(model);
  std::string dir = make_temp_dir("cli_run_fail");
  std::string wrong_shape = model_file("mobilenet_v3_small_op17.torch_output.npy");
  struct Case {
    std::string args;    // arguments after the model
    std::string reason;  // part of the expected message
  };
  std::vector<Case> cases = {
      {"-i " + shell_quote(wrong_shape) + " -o " + shell_quote(dir + "/y.npy"), "wrong rank"},
      {"-i " + shell_quote(dir + "/missing.npy") + " -o " + shell_quote(dir + "/y.npy"),
       "missing.npy"},
      {"-i " + shell_quote(model) + " -o " + shell_quote(dir + "/y.npy"), "npy"},
      {"-i " + shell_quote(model_file("mobilenet_v3_small_op17.input.npy")) + " -o " +
           shell_quote(dir + "/no_such_dir/y.npy"),
       "does not exist"},
  };
  for (const auto& c : cases) {
    auto r = run_mconv("run " + shell_quote(model) + " " + c.args);
    EXPECT_EQ(r.exit_code, 1) << c.args << ": " << r.output;
    auto lines = lines_of(r.output);
    ASSERT_EQ(lines.size(), 1u) << r.output;
    EXPECT_EQ(lines[0].rfind("mconv: ", 0), 0u) << lines[0];
    EXPECT_NE(lines[0].find(c.reason), std::string::npos) << lines[0];
  }
  EXPECT_TRUE(std::filesystem::is_empty(dir)) << "a failed run left files in " << dir;
}

TEST(CliRun, RefusesToOverwriteItsInputsOrModel) {
  std::string model = model_file("mobilenet_v3_small_op17.onnx");
  MCONV_REQUIRE_SHARED_FILE(model);
  std::string dir = make_temp_dir("cli_run_overwrite");
  std::filesystem::copy_file(model_file("mobilenet_v3_small_op17.input.npy"), dir + "/x.npy");
  std::filesystem::copy_file(model, dir + "/m.onnx");
  std::filesystem::create_symlink(dir + "/x.npy", dir + "/link.npy");
  const auto before = std::filesystem::file_size(dir + "/x.npy");
  struct Case {
    std::string output;  // the --output given
    std::string reason;  // part of the expected message
  };
  std::vector<Case> cases = {
      {dir + "/x.npy", "is also an --input"},
      {dir + "/./x.npy", "is also an --input"},   // another spelling of the same file
      {dir + "/link.npy", "is also an --input"},  // a symlink to it
      {dir + "/m.onnx", "is the model file"},
  };
  for (const auto& c : cases) {
    auto r = run_mconv("run " + shell_quote(dir + "/m.onnx") + " -i " +
                       shell_quote(dir + "/x.npy") + " -o " + shell_quote(c.output));
    EXPECT_EQ(r.exit_code, 1) << c.output << ": " << r.output;
    auto lines = lines_of(r.output);
    ASSERT_EQ(lines.size(), 1u) << r.output;
    EXPECT_NE(lines[0].find(c.reason), std::string::npos) << lines[0];
  }
  EXPECT_EQ(std::filesystem::file_size(dir + "/x.npy"), before);
  auto input = read_npy(dir + "/x.npy");
  EXPECT_TRUE(input.ok()) << "the input was damaged";
  EXPECT_TRUE(read_file_bytes(dir + "/m.onnx").ok());
  EXPECT_EQ(std::filesystem::file_size(dir + "/m.onnx"), std::filesystem::file_size(model));
}

}  // namespace
}  // namespace mconv::test
