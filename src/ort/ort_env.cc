#include "ort/ort_env.h"

#include <cstdio>
#include <string>

namespace mconv::ort {
namespace {

struct EnvOrError {
  Ort::Env* env = nullptr;  // the shared environment, null when creation failed
  std::string error;        // why creation failed
};

// ORT's own log lines are long and may span lines; mconv's stderr keeps one line per message.
void ORT_API_CALL log_one_line(void*, OrtLoggingLevel severity, const char*, const char*,
                               const char*, const char* message) {
  const char* level = severity >= ORT_LOGGING_LEVEL_ERROR ? "error" : "warning";
  std::string line =
      "mconv: onnxruntime " + std::string(level) + ": " + one_line(message ? message : "") + "\n";
  std::fputs(line.c_str(), stderr);
}

EnvOrError create_env() {
  EnvOrError result;
  Status status = catch_ort_errors([&] {
    result.env = new Ort::Env(ORT_LOGGING_LEVEL_WARNING, "mconv", log_one_line, nullptr);
    return Status::Ok();
  });
  if (!status.ok()) result.error = status.message();
  return result;
}

}  // namespace

Expected<Ort::Env*> global_env() {
  // A function-local static is initialised exactly once even when threads race here.
  static const EnvOrError holder = create_env();
  if (!holder.env) return Status::Error(holder.error);
  return holder.env;
}

std::string one_line(std::string message) {
  for (char& c : message)
    if (c == '\n' || c == '\r') c = ' ';
  while (!message.empty() && message.back() == ' ') message.pop_back();
  return message;
}

}  // namespace mconv::ort

// ONNX Runtime 1.30 leaks a few bytes inside the library whenever an environment is created
// (even when it is destroyed again); LeakSanitizer builds ignore leaks whose allocation comes
// from the library so that they still flag mconv's own. Unused outside sanitizer builds.
extern "C" const char* __lsan_default_suppressions() {
  return "leak:libonnxruntime.so\n";
}
