// NumPy .npy files (format versions 1.0-3.0, little-endian, C order) <-> Tensor.
#pragma once

#include <string>
#include <vector>

#include "core/tensor.h"

namespace mconv {

Expected<Tensor> parse_npy(const std::vector<uint8_t>& bytes);
Expected<Tensor> read_npy(const std::string& path);
std::vector<uint8_t> serialize_npy(const Tensor& tensor);
Status write_npy(const std::string& path, const Tensor& tensor);

}  // namespace mconv
