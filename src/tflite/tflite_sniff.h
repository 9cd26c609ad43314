// Telling a TFLite file from other bytes: the flatbuffer file identifier "TFL3" at bytes 4..8.
#pragma once

#include <cstdint>
#include <cstring>
#include <vector>

namespace mconv::tflite {

inline bool has_tflite_identifier(const std::vector<uint8_t>& bytes) {
  return bytes.size() >= 8 && std::memcmp(bytes.data() + 4, "TFL3", 4) == 0;
}

}  // namespace mconv::tflite
