// libFuzzer target: arbitrary bytes -> the restricted unpickler and state-dict extraction of
// PyTorch checkpoints (as a ZIP container's data.pkl, every storage a fixed 4 KiB buffer), and
// the same bytes as a whole checkpoint file (ZIP reader, legacy container). Errors must be one
// line; accepted tensors must be fully readable. Any crash, sanitizer report, leak, hang or
// oversized allocation is a finding.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <span>
#include <vector>

#include "torch/checkpoint.h"

namespace {

// What every storage key reads as: deterministic bytes, enough for small tensors.
const std::vector<uint8_t>& storage_buffer() {
  static const std::vector<uint8_t> buffer = [] {
    std::vector<uint8_t> b(4096);
    for (size_t i = 0; i < b.size(); ++i) b[i] = static_cast<uint8_t>(i * 37 + 11);
    return b;
  }();
  return buffer;
}

// fuzz_checks' rule without its dependencies: errors are one non-empty line.
void check_one_line(const mconv::Status& status) {
  const std::string& m = status.message();
  if (!m.empty() && m.find('\n') == std::string::npos && m.find('\r') == std::string::npos) return;
  std::fprintf(stderr, "error is not one non-empty line: [%s]\n", m.c_str());
  std::abort();
}

void check(const mconv::Expected<mconv::torch::Checkpoint>& cp) {
  if (!cp.ok()) {
    check_one_line(cp.status());
    return;
  }
  size_t total = 0;
  for (const auto& t : cp->tensors) total += t.value.to_f32().size();
  volatile size_t sink = total;
  (void)sink;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::span<const uint8_t> bytes(data, size);
  const mconv::ImportLimits limits;
  mconv::torch::StorageProvider storages =
      [](const std::string& key) -> mconv::Expected<std::span<const uint8_t>> {
    if (key == "missing") return mconv::Status::Error("storage '" + key + "' is missing");
    return std::span<const uint8_t>(storage_buffer());
  };
  check(mconv::torch::read_checkpoint_pickle(bytes, storages, limits));
  check(mconv::torch::read_checkpoint(bytes, limits));
  return 0;
}
