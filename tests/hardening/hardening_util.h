// Helpers for the hardening tests: write a crafted model, run `mconv convert` on it through the
// real binary, and check the refusal: non-zero exit, exactly one line of output naming the file
// and the reason, and nothing left under the output name (nor a temporary beside it).
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "core/file_io.h"
#include "support/test_support.h"

namespace mconv::hardening {

struct ConvertRun {
  int exit_code = -1;          // mconv's exit code (128+signal when killed)
  std::string output;          // stdout and stderr together
  bool output_exists = false;  // a file exists under the -o name afterwards
  int stray_files = 0;         // files in the output directory other than the source (temps, ...)
};

// Writes `bytes` to dir/name and returns the path.
inline std::string write_model(const std::string& dir, const std::string& name,
                               const std::vector<uint8_t>& bytes) {
  const std::string path = dir + "/" + name;
  EXPECT_TRUE(write_file_atomic(path, bytes).ok()) << path;
  return path;
}

// Runs `env mconv convert source -o out` (env: "VAR=value ..." or ""), from a fresh output
// directory so that leftovers can be counted.
inline ConvertRun run_convert(const std::string& source, const std::string& out_name,
                              const std::string& env = "", const std::string& extra = "") {
  const std::string out_dir = test::make_temp_dir("hardening_out");
  const std::string out = out_dir + "/" + out_name;
  ConvertRun run;
  const test::CommandResult r =
      test::run_command((env.empty() ? "" : "env " + env + " ") + "'" + test::mconv_binary() +
                        "' convert '" + source + "' -o '" + out + "' " + extra);
  run.exit_code = r.exit_code;
  run.output = r.output;
  run.output_exists = std::filesystem::exists(out);
  for (const auto& entry : std::filesystem::directory_iterator(out_dir)) {
    if (entry.path() != out) ++run.stray_files;
  }
  return run;
}

// Number of lines in `text` (a trailing newline ends the last line).
inline int line_count(const std::string& text) {
  int lines = 0;
  for (char c : text) lines += c == '\n';
  if (!text.empty() && text.back() != '\n') ++lines;
  return lines;
}

// The refusal every hostile input must get.
#define EXPECT_REFUSED(run, source, reason)                                                  \
  do {                                                                                       \
    const ::mconv::hardening::ConvertRun& _r = (run);                                        \
    EXPECT_NE(_r.exit_code, 0) << _r.output;                                                 \
    EXPECT_LT(_r.exit_code, 128) << "killed by a signal: " << _r.output;                     \
    EXPECT_EQ(::mconv::hardening::line_count(_r.output), 1) << _r.output;                    \
    EXPECT_NE(_r.output.find(source), std::string::npos) << "file not named: " << _r.output; \
    EXPECT_NE(_r.output.find(reason), std::string::npos) << "reason missing: " << _r.output; \
    EXPECT_FALSE(_r.output_exists) << "an output file was left";                             \
    EXPECT_EQ(_r.stray_files, 0) << "temporary files were left";                             \
  } while (0)

}  // namespace mconv::hardening
