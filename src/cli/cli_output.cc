#include "cli/cli_output.h"

#include <cstdio>
#include <filesystem>

namespace mconv::cli {

namespace {

bool starts_with(const std::string& s, const std::string& prefix) {
  return !prefix.empty() && s.rfind(prefix, 0) == 0;
}

std::string strip_subject(const std::string& subject, const std::string& reason) {
  std::string base = std::filesystem::path(subject).filename().string();
  for (const std::string& name : {subject, base})
    if (starts_with(reason, name + ": ")) return reason.substr(name.size() + 2);
  return reason;
}

}  // namespace

void print_error(const std::string& subject, const std::string& reason) {
  std::string line = "mconv: ";
  if (!subject.empty()) line += subject + ": ";
  line += strip_subject(subject, reason);
  for (char& c : line)
    if (c == '\n' || c == '\r') c = ' ';
  line += "\n";
  std::fflush(stdout);
  std::fputs(line.c_str(), stderr);
}

int fail(const std::string& subject, const Status& status) {
  print_error(subject, status.ok() ? "unknown error" : status.message());
  return kExitFailure;
}

int usage_error(const std::string& command, const std::string& reason) {
  print_error(command, reason + " (see 'mconv " + command + " --help')");
  return kExitUsage;
}

}  // namespace mconv::cli
