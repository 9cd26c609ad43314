// The adapters behind open_runtime, one file each (ort_runtime.cc, tflite_native_runtime.cc,
// litert_runtime.cc, reference_runtime.cc). Internal to the runtimes part.
#pragma once

#include <memory>
#include <string>

#include "runtimes/runtime.h"

namespace mconv::runtimes::detail {

Expected<std::unique_ptr<Runtime>> open_ort(const std::string& path, const RuntimeOptions& options);
Expected<std::unique_ptr<Runtime>> open_tflite(const std::string& path,
                                               const RuntimeOptions& options);
Expected<std::unique_ptr<Runtime>> open_litert(const std::string& path,
                                               const RuntimeOptions& options);
// Over `owned`'s graph when given, else over `borrowed`.
Expected<std::unique_ptr<Runtime>> open_reference(std::unique_ptr<ir::Model> owned,
                                                  const ir::Graph* borrowed,
                                                  const RuntimeOptions& options);

}  // namespace mconv::runtimes::detail
