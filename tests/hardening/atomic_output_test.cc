// Atomic output: mconv writes every file to "<name>.tmp.<pid>" beside it, fsyncs and renames, so a
// conversion killed at any moment (SIGKILL, nothing can clean up) leaves either nothing or the
// complete file under the final name; the source is never overwritten.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <regex>
#include <thread>

#include "hardening_util.h"

namespace mconv::hardening {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

// Starts `mconv convert source -o out` as a child process (stdout/stderr to /dev/null).
pid_t start_convert(const std::string& source, const std::string& out) {
  const std::string binary = test::mconv_binary();
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::freopen("/dev/null", "w", stdout);
    ::freopen("/dev/null", "w", stderr);
    ::execl(binary.c_str(), binary.c_str(), "convert", source.c_str(), "-o", out.c_str(),
            static_cast<char*>(nullptr));
    ::_exit(127);
  }
  return pid;
}

TEST(AtomicOutput, KilledConversionLeavesNoFileUnderTheFinalName) {
  const std::string source = test::shared_models_dir() + "/mobilenet_v2_op13.onnx";
  MCONV_REQUIRE_SHARED_FILE(source);
  const std::string dir = test::make_temp_dir("hardening_kill");

  // A complete run gives the reference bytes and how long a conversion takes here.
  const std::string reference = dir + "/reference.tflite";
  const auto t0 = Clock::now();
  const pid_t ref_pid = start_convert(source, reference);
  int status = 0;
  ASSERT_EQ(::waitpid(ref_pid, &status, 0), ref_pid);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "reference conversion failed";
  const double full_ms = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
  auto expected = read_file_bytes(reference);
  ASSERT_TRUE(expected.ok());

  // Kill points spread over the run, denser near the end where the file is written.
  const std::regex temp_name(R"(out\.tflite\.tmp\.[0-9]+)");
  int killed = 0, completed = 0, temps_left = 0;
  for (double fraction : {0.05, 0.3, 0.6, 0.8, 0.9, 0.94, 0.97, 0.99, 1.0, 1.01, 1.03, 1.06}) {
    const std::string run_dir = dir + "/run" + std::to_string(killed + completed);
    fs::create_directories(run_dir);
    const std::string out = run_dir + "/out.tflite";
    const pid_t pid = start_convert(source, out);
    std::this_thread::sleep_for(
        std::chrono::microseconds(static_cast<int64_t>(full_ms * fraction * 1000)));
    ::kill(pid, SIGKILL);
    ASSERT_EQ(::waitpid(pid, &status, 0), pid);
    const bool was_killed = WIFSIGNALED(status);
    killed += was_killed;
    completed += !was_killed;
    if (fs::exists(out)) {
      // Only a run that got past the rename may leave the file, and then it is complete.
      auto bytes = read_file_bytes(out);
      ASSERT_TRUE(bytes.ok());
      EXPECT_EQ(*bytes, *expected)
          << "a partial file exists under the final name (kill at " << fraction << " of the run)";
    } else {
      EXPECT_TRUE(was_killed) << "a completed run left no output";
    }
    for (const auto& entry : fs::directory_iterator(run_dir)) {
      const std::string name = entry.path().filename().string();
      if (name == "out.tflite") continue;
      // Anything else is the temporary of a killed run, recognisable by its name.
      EXPECT_TRUE(std::regex_match(name, temp_name)) << "unexpected file " << name;
      EXPECT_TRUE(was_killed) << "a finished run left its temporary " << name;
      ++temps_left;
    }
  }
  EXPECT_GT(killed, 0) << "no run was actually killed";
  std::printf("[ info ] conversion %.0f ms; %d runs killed (%d left a temporary), %d completed\n",
              full_ms, killed, temps_left, completed);
}

TEST(AtomicOutput, OutputEqualToTheSourceIsRefused) {
  const std::string dir = test::make_temp_dir("hardening_same");
  // A tiny valid model: convert an ONNX file the suite itself writes.
  const std::string source = test::shared_models_dir() + "/mobilenet_v3_small_op13.onnx";
  MCONV_REQUIRE_SHARED_FILE(source);
  const std::string copy = dir + "/model.onnx";
  fs::copy_file(source, copy);
  auto before = read_file_bytes(copy);
  ASSERT_TRUE(before.ok());
  fs::create_symlink(copy, dir + "/link.onnx");
  fs::create_hard_link(copy, dir + "/hard.onnx");
  for (const std::string& out :
       {copy, dir + "/./model.onnx", dir + "/link.onnx", dir + "/hard.onnx"}) {
    const test::CommandResult r =
        test::run_command("'" + test::mconv_binary() + "' convert '" + copy + "' -o '" + out + "'");
    EXPECT_NE(r.exit_code, 0) << out << ": " << r.output;
    EXPECT_EQ(line_count(r.output), 1) << r.output;
    EXPECT_NE(r.output.find("is the source file"), std::string::npos) << r.output;
    auto after = read_file_bytes(copy);
    ASSERT_TRUE(after.ok());
    EXPECT_EQ(*after, *before) << "the source was modified via " << out;
  }
  // Nothing but the three names is in the directory: no temporaries either.
  int files = 0;
  for (const auto& entry : fs::directory_iterator(dir))
    files += entry.is_regular_file() || entry.is_symlink();
  EXPECT_EQ(files, 3);
}

TEST(AtomicOutput, FailedConversionLeavesNoTemporary) {
  const std::string dir = test::make_temp_dir("hardening_failed");
  const std::string bad = write_model(dir, "bad.onnx", std::vector<uint8_t>{0x08, 0x07, 0x12});
  const ConvertRun run = run_convert(bad, "out.tflite");
  EXPECT_REFUSED(run, bad, "");
}

}  // namespace
}  // namespace mconv::hardening
