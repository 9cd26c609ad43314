// Helpers shared by all test executables: where the shared data lives, temp dirs, running the CLI.
#pragma once

#include <gtest/gtest.h>

#include <fstream>
#include <string>
#include <vector>

namespace mconv::test {

// ../shared beside the project checkout.
std::string shared_dir();
std::string shared_models_dir();
std::string shared_images_dir();
std::string binary_dir();
std::string mconv_binary();
std::string source_dir();  // the project checkout (tools/, scripts/, .cache/)

// True when running under CI (CI=true): shared data must then be present, never skipped.
bool in_ci();

// A fresh empty directory under the build tree's temp area, removed by the OS/CI later.
std::string make_temp_dir(const std::string& tag);

// Creates `dir` holding the first `n` shared photos by name (linked, not copied) and, with
// `with_labels`, the shared labels.csv; returns `dir`.
std::string link_shared_photos(const std::string& dir, size_t n, bool with_labels = false);

// The whole content of a text file ("" when it cannot be read).
std::string read_text_file(const std::string& path);

struct CommandResult {
  int exit_code = -1;  // process exit code, or 128+signal when killed by a signal
  std::string output;  // stdout and stderr together
};
CommandResult run_command(const std::string& command);

}  // namespace mconv::test

// Skips the test when shared data is missing, except under CI where that is a failure.
#define MCONV_REQUIRE_SHARED_FILE(path)                                               \
  do {                                                                                \
    if (!std::ifstream(path).good()) {                                                \
      if (::mconv::test::in_ci()) FAIL() << "shared data missing under CI: " << path; \
      GTEST_SKIP() << "shared data missing: " << path;                                \
    }                                                                                 \
  } while (0)
