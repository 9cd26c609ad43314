#include <gtest/gtest.h>

#include "cli_test_util.h"

namespace mconv::test {
namespace {

TEST(CliHelp, TopLevelListsEveryCommand) {
  for (const char* flag : {"--help", "-h"}) {
    auto r = run_mconv(flag);
    EXPECT_EQ(r.exit_code, 0) << r.output;
    for (const char* command : {"inspect", "run", "convert"})
      EXPECT_NE(r.output.find(std::string("  ") + command + " "), std::string::npos)
          << command << " missing from:\n"
          << r.output;
  }
}

TEST(CliHelp, EverySubcommandHasHelp) {
  for (const char* command : {"inspect", "run", "convert"}) {
    for (const char* flag : {"--help", "-h"}) {
      auto r = run_mconv(std::string(command) + " " + flag);
      EXPECT_EQ(r.exit_code, 0) << command << " " << flag << ": " << r.output;
      EXPECT_EQ(r.output.rfind(std::string("usage: mconv ") + command, 0), 0u) << r.output;
      EXPECT_NE(r.output.find("--help"), std::string::npos) << r.output;
    }
  }
  auto run_help = run_mconv("run --help");
  for (const char* option : {"--input", "--output", "--runtime", "--threads"})
    EXPECT_NE(run_help.output.find(option), std::string::npos) << option;
  EXPECT_NE(run_mconv("inspect --help").output.find("--json"), std::string::npos);
}

TEST(CliHelp, HelpWinsOverOtherArguments) {
  auto r = run_mconv("run --bogus --help");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(r.output.rfind("usage: mconv run", 0), 0u) << r.output;
}

TEST(CliHelp, UnknownCommandOrOptionIsOneLineUsageError) {
  for (const char* args :
       {"frobnicate", "--frobnicate", "inspect --bogus model.onnx", "run model.onnx --input",
        "run model.onnx --runtime tvm -i x.npy", "run model.onnx -i x.npy --threads many",
        "inspect a.onnx b.onnx", "inspect"}) {
    auto r = run_mconv(args);
    EXPECT_EQ(r.exit_code, 2) << args << ": " << r.output;
    auto lines = lines_of(r.output);
    ASSERT_EQ(lines.size(), 1u) << args << ": " << r.output;
    EXPECT_EQ(lines[0].rfind("mconv: ", 0), 0u) << lines[0];
  }
}

TEST(CliHelp, ConvertNeedsAnOutputOption) {
  auto r = run_mconv("convert a.onnx b.tflite");
  EXPECT_EQ(r.exit_code, 2);
  auto lines = lines_of(r.output);
  ASSERT_EQ(lines.size(), 1u) << r.output;
  EXPECT_EQ(lines[0].rfind("mconv: convert: ", 0), 0u) << lines[0];
}

}  // namespace
}  // namespace mconv::test
