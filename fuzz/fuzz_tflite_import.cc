// libFuzzer target: arbitrary bytes -> TFLite importer (flatbuffers Verifier first). A model that
// imports must also pass the IR verifier, shape inference, dead-code removal and a topological
// sort; any crash, sanitizer report, leak, hang or oversized allocation inside is a finding.
#include <cstdint>
#include <vector>

#include "fuzz_checks.h"
#include "tflite/tflite_importer.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::vector<uint8_t> bytes(data, data + size);
  auto model = mconv::tflite::import_tflite_bytes(bytes);
  if (!model.ok()) {
    mconv::fuzz::check_one_line(model.status());
    return 0;
  }
  mconv::fuzz::check_imported_graph(model->graph);
  return 0;
}
