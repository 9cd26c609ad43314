#pragma once
// Byte copies that are defined for empty ranges. An empty Tensor has no storage, so its raw()
// is null, and std::memcpy with a null pointer is undefined behaviour even for 0 bytes (UBSan
// reports it). Shape-generic kernels (Gather, Concat, Split, Slice...) meet empty tensors on
// hostile or degenerate graphs, so they copy through this instead of calling memcpy directly.

#include <cstddef>
#include <cstring>

namespace mconv {

// Copies n bytes from src to dst; does nothing when n is 0 (either pointer may then be null).
inline void copy_bytes(void* dst, const void* src, size_t n) {
  if (n > 0) std::memcpy(dst, src, n);
}

}  // namespace mconv
