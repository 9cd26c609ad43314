// Reading tensor bytes stored outside the .onnx file (TensorProto.data_location = EXTERNAL).
// The file named by "location" is untrusted input: it must stay inside the model's directory.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/status.h"

namespace onnx {
class TensorProto;
}

namespace mconv::onnx {

// Returns exactly `expected_bytes` bytes from the external file of `tensor`, resolved against
// `base_dir`. Refuses (with a one-line reason, no context prefix): an empty base_dir, absolute
// locations, '..' components, paths (symlinks included) that resolve outside base_dir,
// non-regular files, malformed offset/length, ranges past the end of the file, and a length that
// does not match `expected_bytes`.
Expected<std::vector<uint8_t>> read_external_data(const ::onnx::TensorProto& tensor,
                                                  const std::string& base_dir,
                                                  uint64_t expected_bytes);

}  // namespace mconv::onnx
