// Gathers a strided view of a tensor into a dense row-major buffer (Transpose, Slice). Works on
// raw elements of any size, so every dtype shares one implementation.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace mconv::runtime::kernels {

// dst[i0, ..., ik] = src[i0 * strides[0] + ... + ik * strides[k]] for the index space `shape`.
// Strides are in elements and may be negative or zero; `src` points at element (0, ..., 0).
// element_size is 1, 2, 4 or 8 (the sizes of every DType).
void copy_strided(size_t element_size, const std::vector<int64_t>& shape, const uint8_t* src,
                  const std::vector<int64_t>& strides, uint8_t* dst);

}  // namespace mconv::runtime::kernels
