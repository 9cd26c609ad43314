// A restricted unpickler for torch.save checkpoints. Pickle is a program for a stack machine that
// may import and call anything; this one knows only the opcodes of protocols 0-5 that build data
// and the handful of globals a tensor state dict needs:
//   collections.OrderedDict                       (called with () or a list of pairs)
//   torch._utils._rebuild_tensor_v2               (storage, offset, size, stride, ...)
//   torch._utils._rebuild_parameter[_with_state]  (tensor, requires_grad, hooks[, state])
//   torch.<Float|Half|BFloat16|Double|Long|Int|Short|Char|Byte|Bool>Storage, torch.<dtype>
// Any other global is refused by name before anything is built (nothing is ever imported or
// executed); a pickled nn.Module (torch.save(model)) gets an error saying to save
// model.state_dict(). Stack, memo, object count, string sizes and nesting depth are capped.
#pragma once

#include <cstdint>
#include <functional>
#include <span>

#include "core/status.h"
#include "torch/pickle_value.h"

namespace mconv::torch {

struct PickleLimits {
  size_t max_memo_entries = 1u << 20;   // BINPUT/MEMOIZE slots
  size_t max_stack = 1u << 20;          // values on the stack (all marks together)
  size_t max_objects = 1u << 23;        // values created in one load
  uint64_t max_text_bytes = 64u << 20;  // one string or bytes object
  int max_depth = 100;                  // nested containers and open MARKs
};

// Resolves a persistent id (BINPERSID): torch's ('storage', type, key, location, numel, ...).
using PersistentLoader = std::function<Expected<PyValue*>(const PyValue& pid, PickleArena& arena)>;

// Runs one pickle from the start of `bytes` up to its STOP; `*consumed` receives its length
// (the legacy container holds several pickles back to back). Errors are one line naming the
// opcode and byte offset at fault.
Expected<PyValue*> unpickle(std::span<const uint8_t> bytes, PickleArena& arena,
                            const PersistentLoader& persistent_load, const PickleLimits& limits,
                            size_t* consumed = nullptr);

}  // namespace mconv::torch
