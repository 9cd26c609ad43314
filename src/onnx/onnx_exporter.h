// IR -> ONNX ModelProto bytes (default opset 17, 13..18 accepted) that pass the official checker.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/status.h"
#include "ir/graph.h"
#include "ir/model_metadata.h"

namespace mconv::onnx {

struct OnnxExportOptions {
  int opset = 17;                       // default-domain opset to target (13..18)
  std::string producer_name = "mconv";  // written into ModelProto.producer_name
  // Written as metadata_props (onnx/onnx_metadata.h); unset or empty: none.
  std::optional<ir::ModelMetadata> metadata;
};

Expected<std::vector<uint8_t>> export_onnx(const ir::Graph& graph,
                                           const OnnxExportOptions& options = {});
// Serializes and writes atomically.
Status export_onnx_file(const ir::Graph& graph, const std::string& path,
                        const OnnxExportOptions& options = {});

// Runs onnx::checker::check_model with full checking (incl. shape inference) on serialized bytes.
Status check_onnx_bytes(const std::vector<uint8_t>& bytes);

}  // namespace mconv::onnx
