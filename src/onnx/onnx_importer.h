// ONNX file -> IR. Reads the protobuf with libonnx's generated classes, resolves external data,
// maps every supported node onto an ir::OpType, then runs shape inference and constant folding
// so that Shape/Gather/Concat arithmetic disappears.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/import_limits.h"
#include "core/status.h"
#include "ir/graph.h"

namespace mconv::onnx {

struct OnnxImportOptions {
  bool fold_constants = true;  // run constant folding + cleanup after import
  bool infer_shapes = true;    // run shape inference after import
  std::string source_name;     // names the model in errors from import_onnx_bytes ("<memory>")
  std::optional<ImportLimits> limits;  // caps on hostile input; unset = import_limits_from_env()
};

// `path` is used for error messages and to locate external data files (same directory).
Expected<ir::Model> import_onnx_file(const std::string& path,
                                     const OnnxImportOptions& options = {});
// `base_dir` is where external data files are looked up; empty = external data not allowed.
// Safe on any input (fuzzing entry point): malformed bytes give a one-line error, never a crash.
Expected<ir::Model> import_onnx_bytes(const std::vector<uint8_t>& bytes,
                                      const std::string& base_dir,
                                      const OnnxImportOptions& options = {});

}  // namespace mconv::onnx
