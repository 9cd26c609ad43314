// The built-in model zoo: well-known vision architectures built directly in the IR, so mconv can
// run its whole pipeline on a machine with no model files. Weights are seeded synthetic ones
// (deterministic: same seed, same bytes) unless an ONNX file of the same architecture supplies
// them.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/status.h"
#include "ir/graph.h"

namespace mconv::zoo {

struct ZooOptions {
  uint64_t seed = 0;         // seeds the synthetic weights and the calibration input
  std::string weights_path;  // ONNX file of the same architecture to take parameters from; empty
                             // = synthetic weights
};

// One entry of the zoo, for --help and listings.
struct ZooEntry {
  std::string name;                   // what the user types ("mobilenet_v3_small")
  std::string description;            // one line: the architecture and where it comes from
  std::vector<int64_t> input_shape;   // the graph input's shape ([1,3,224,224])
  std::vector<int64_t> output_shape;  // the graph output's shape ([1,1000])
};

// Every model build_zoo_model knows, in a stable order.
const std::vector<ZooEntry>& zoo_models();
// The names only ("mobilenet_v3_small"), in the same order.
std::vector<std::string> zoo_model_names();

// Builds `name` (see zoo_models()). The model's graph is NCHW, input "input" f32, output "logits"
// f32, topologically sorted with shapes inferred and verified; Conv nodes are followed by
// separate BatchNormalization nodes. Model::source_format is "zoo"; Model::producer says where
// the weights came from ("mconv zoo, synthetic weights, seed 0" or "mconv zoo, weights from
// FILE"). Errors are one line: unknown name (listing the choices), unreadable or mismatching
// weights file (naming the first layer that does not fit).
Expected<ir::Model> build_zoo_model(const std::string& name, const ZooOptions& options = {});

}  // namespace mconv::zoo
