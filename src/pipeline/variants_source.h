// The source of `mconv convert ... -o DIR` (every variant): a model file, or a built-in zoo model
// with seeded synthetic weights, an ONNX file's weights or a PyTorch checkpoint's; with what the
// report says about it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/status.h"
#include "ir/graph.h"
#include "pipeline/model_files.h"

namespace mconv::pipeline {

struct VariantsSourceSpec {
  std::string path;              // a model file ("" with zoo)
  std::string arch;              // PyTorch checkpoints: torchvision architecture ("" = recognise)
  std::string zoo;               // a zoo model name ("" with path)
  std::string weights;           // zoo: ONNX file or PyTorch checkpoint to take weights from
  std::optional<uint64_t> seed;  // zoo: seed of the synthetic weights
};

struct VariantsSource {
  ir::Model model;                          // imported or built
  ModelFormat format = ModelFormat::kOnnx;  // of the file (zoo models count as ONNX)
  std::string label;                        // as the report names it
  std::string name;                         // default <name> of the variant files
  std::vector<std::string> synthetic;       // report lines about what is synthetic
};

// Errors are about spec.path, or the zoo model (a weights file that cannot be read is named).
Expected<VariantsSource> load_variants_source(const VariantsSourceSpec& spec);

}  // namespace mconv::pipeline
