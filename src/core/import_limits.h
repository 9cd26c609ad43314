// Caps on what an imported model may ask for, so that a hostile or corrupt file gets a one-line
// error instead of a multi-gigabyte allocation, a hang or a stack overflow. The defaults are far
// above any real vision model (MobileNet: ~200 nodes, depth ~150, largest tensor ~1 M elements)
// and far below what would hurt the machine. Every cap can be changed per run through an
// environment variable (listed with each field), which is how the CLI exposes them.
#pragma once

#include <cstdint>
#include <string>

#include "core/status.h"

namespace mconv {

struct ImportLimits {
  uint64_t max_file_bytes = 4ull << 30;            // MCONV_MAX_FILE_BYTES: whole model file
  int64_t max_tensor_elements = 1ll << 31;         // MCONV_MAX_TENSOR_ELEMENTS: any declared shape
  uint64_t max_tensor_bytes = 2ull << 30;          // MCONV_MAX_TENSOR_BYTES: one constant's data
  uint64_t max_total_constant_bytes = 4ull << 30;  // MCONV_MAX_TOTAL_CONSTANT_BYTES: all weights
  int64_t max_nodes = 200'000;                     // MCONV_MAX_NODES: operators in the graph
  int max_rank = 16;                               // MCONV_MAX_RANK: dims of any tensor
  int64_t max_graph_depth = 8192;                  // MCONV_MAX_GRAPH_DEPTH: longest operator chain
  bool allow_non_finite_weights = false;  // MCONV_ALLOW_NON_FINITE_WEIGHTS=1: NaN/Inf weights
};

// The defaults above with any MCONV_MAX_* / MCONV_ALLOW_* environment variables applied. A
// malformed value (not a positive decimal integer, or not 0/1) is an error naming the variable.
Expected<ImportLimits> import_limits_from_env();

// Checks one tensor's shape against the rank and element caps; `what` names it in the error
// ("initializer 'w'"). Negative dims are rejected too. Returns the element count.
Expected<int64_t> check_tensor_shape(const ImportLimits& limits, const std::string& what,
                                     const int64_t* dims, size_t rank);

// Checks a constant's byte size (element count times element size, overflow-safe).
Status check_tensor_bytes(const ImportLimits& limits, const std::string& what, int64_t elements,
                          size_t element_size);

}  // namespace mconv
