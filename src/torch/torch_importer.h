// PyTorch checkpoints (torch.save of a torchvision classifier's state dict) into the IR, without
// Python: the checkpoint is read safely (checkpoint.h), its architecture recognised from the keys
// and shapes (or named by the caller), and the network built in the IR with torchvision's exact
// eval-mode structure, NCHW like the ONNX importer's graphs: input "input" f32[1,3,224,224],
// output "logits" f32[1,classes]; then the importers' simplification pipeline.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "core/import_limits.h"
#include "ir/graph.h"
#include "torch/checkpoint.h"

namespace mconv::torch {

struct TorchImportOptions {
  std::string arch;         // torchvision name ("resnet50"); empty = recognise from the keys
  std::string source_name;  // prefixes errors ("model.pth: ...")
};

// What a checkpoint holds, as `mconv inspect` shows it.
struct TorchCheckpointInfo {
  std::string container;       // "zip" / "legacy"
  std::string form;            // "state dict", "training checkpoint ('model' beside ...)"
  bool module_prefix = false;  // DataParallel "module." keys
  std::string arch;            // recognised or given
  int64_t classes = 0;         // from the classifier weights
  int64_t parameters = 0;      // float elements, BatchNorm running statistics excluded
  size_t tensors = 0;          // state-dict entries
  std::string dtype;           // float storage types ("float16")
};

// The torchvision architectures this importer builds, in a stable order.
const std::vector<std::string>& torch_architectures();

// The architecture the state dict's keys and shapes belong to, or an error saying what was seen.
Expected<std::string> recognize_architecture(const Checkpoint& checkpoint);

// Reads and builds. Model::source_format is "pytorch:<arch>", Model::producer describes the file.
Expected<ir::Model> import_torch_bytes(std::span<const uint8_t> bytes,
                                       const TorchImportOptions& options = {},
                                       TorchCheckpointInfo* info = nullptr);
Expected<ir::Model> import_torch_file(const std::string& path,
                                      const TorchImportOptions& options = {},
                                      TorchCheckpointInfo* info = nullptr);

}  // namespace mconv::torch
