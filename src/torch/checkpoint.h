// torch.save files read without Python: the ZIP container of torch >= 1.6 (<name>/data.pkl,
// <name>/data/<key> storages, <name>/byteorder) and the legacy container (magic number,
// protocol, system info, the object, storage keys and raw storages, pickled back to back). The
// object is read by the restricted unpickler; the checkpoint's state dict is found in the shapes
// people save (bare, {"state_dict": ...}, {"model": ...} beside optimizer state) and its tensors
// copied out with their strides and offsets, floating-point ones widened to f32.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "core/import_limits.h"
#include "core/tensor.h"
#include "torch/pickle_value.h"
#include "torch/unpickler.h"

namespace mconv::torch {

struct CheckpointTensor {
  std::string name;                          // state-dict key, "module." prefix removed
  StorageType stored = StorageType::kFloat;  // element type in the file
  Tensor value;  // contiguous; f32 for float16/bfloat16/float32/float64, else as stored
};

struct Checkpoint {
  std::string container;  // "zip" or "legacy"
  std::string form;       // "state dict", "training checkpoint ('model' beside epoch, optimizer)"
  bool module_prefix = false;             // keys had DataParallel's "module." prefix (removed)
  std::vector<CheckpointTensor> tensors;  // in the file's order

  const CheckpointTensor* find(const std::string& name) const;
  // The floating-point storage types of the tensors, "float16" or "float32+float16".
  std::string float_types() const;
};

// The bytes of the storage with this key (ZIP: <name>/data/<key>), or why there are none.
using StorageProvider = std::function<Expected<std::span<const uint8_t>>(const std::string& key)>;

// The container-independent part: unpickles `pickle` (the ZIP container's data.pkl), finds the
// state dict and copies its tensors out of the storages `storage_bytes` gives. `container` is
// left empty. The fuzz target drives the unpickler through this.
Expected<Checkpoint> read_checkpoint_pickle(std::span<const uint8_t> pickle,
                                            const StorageProvider& storage_bytes,
                                            const ImportLimits& limits,
                                            const PickleLimits& pickle_limits = {});

// True when `bytes` start like a torch.save file (a ZIP archive or the legacy magic number).
bool looks_like_torch_checkpoint(std::span<const uint8_t> bytes);

// Reads the whole checkpoint. Errors are one line: refused pickle contents (naming the global or
// opcode), missing or out-of-range storages, truncated files, limits exceeded, no state dict.
Expected<Checkpoint> read_checkpoint(std::span<const uint8_t> bytes, const ImportLimits& limits,
                                     const PickleLimits& pickle_limits = {});

}  // namespace mconv::torch
