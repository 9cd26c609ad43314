// Whole-file reads with a size cap, and atomic writes (temporary name + rename) so that a failed
// or interrupted run never leaves a half-written file under its final name.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/status.h"

namespace mconv {

// Default cap on any single input file (models, images, arrays): 4 GiB.
inline constexpr uint64_t kDefaultMaxFileBytes = 4ull << 30;

Expected<std::vector<uint8_t>> read_file_bytes(const std::string& path,
                                               uint64_t max_bytes = kDefaultMaxFileBytes);
// Writes to "<path>.tmp.<pid>" in the same directory, fsyncs, then renames over `path`.
Status write_file_atomic(const std::string& path, const void* data, size_t size);
inline Status write_file_atomic(const std::string& path, const std::vector<uint8_t>& bytes) {
  return write_file_atomic(path, bytes.data(), bytes.size());
}
inline Status write_file_atomic(const std::string& path, const std::string& text) {
  return write_file_atomic(path, text.data(), text.size());
}

// True when both paths name the same file: one existing file (also through symlinks, hard links
// or "./x"), or, when one does not exist yet, the same resolved path. Commands use it to refuse an
// output that would overwrite one of their inputs or another output.
bool is_same_file(const std::string& a, const std::string& b);

}  // namespace mconv
