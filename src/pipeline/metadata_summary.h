// `mconv inspect`'s view of a model's metadata (TFLite model metadata or ONNX metadata_props, read
// into ir::ModelMetadata by the importers): text lines and a JSON object.
#pragma once

#include <string>

#include "core/json_writer.h"
#include "ir/model_metadata.h"

namespace mconv::pipeline {

// "metadata: none" or an indented block; `error` (a damaged metadata buffer) is shown instead.
std::string metadata_text(const ir::ModelMetadata& metadata, const std::string& error);
// Writes the "metadata" value (an object, or null when there is none).
void metadata_json(JsonWriter& j, const ir::ModelMetadata& metadata, const std::string& error);

}  // namespace mconv::pipeline
