// libFuzzer target: arbitrary bytes -> ONNX importer. A model that imports must also pass the IR
// verifier, a second round of shape inference, dead-code removal and a topological sort; any crash,
// sanitizer report, leak, hang or oversized allocation inside is a finding.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "fuzz_checks.h"
#include "onnx/onnx_importer.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::vector<uint8_t> bytes(data, data + size);
  // No base directory: external data must be refused, never looked up.
  auto model = mconv::onnx::import_onnx_bytes(bytes, "");
  if (!model.ok()) {
    mconv::fuzz::check_one_line(model.status());
    return 0;
  }
  mconv::fuzz::check_imported_graph(model->graph);
  return 0;
}
