// Helpers for the CLI tests: run the built `mconv` and look at what it printed.
#pragma once

#include <string>
#include <vector>

#include "support/test_support.h"

namespace mconv::test {

// Runs `mconv <args>` (args already shell-quoted where needed), stdout and stderr together.
inline CommandResult run_mconv(const std::string& args) {
  return run_command("'" + mconv_binary() + "' " + args);
}

inline std::string shell_quote(const std::string& path) {
  return "'" + path + "'";
}

inline std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    lines.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return lines;
}

inline std::string model_file(const std::string& name) {
  return shared_models_dir() + "/" + name;
}

}  // namespace mconv::test
