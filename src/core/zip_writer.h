// A minimal zip archive writer: STORED (uncompressed) entries only, CRC-32 from zlib, fixed
// timestamps so the same entries always give the same bytes.
//
// Why STORED: readers of TFLite model metadata (MediaPipe's, the TFLite Support library's) hand
// out associated files as views into the model buffer and refuse compressed entries.
//
// `base_offset` is where the archive will start in the final file: local-header offsets in the
// central directory are written relative to the file start, as Python's zipfile does when it
// appends to a non-zip file (what the metadata tools do). Readers that compute the prefix from the
// end-of-central-directory record (minizip, zipfile, unzip) accept either form.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/status.h"

namespace mconv {

struct ZipEntry {
  std::string name;           // path inside the archive ("labels.txt")
  std::vector<uint8_t> data;  // contents, stored as they are
};

// The archive bytes. Errors: empty or duplicate names, names over 65535 bytes, more than 65535
// entries, or sizes/offsets beyond the 4 GiB of a non-zip64 archive.
Expected<std::vector<uint8_t>> write_stored_zip(const std::vector<ZipEntry>& entries,
                                                uint64_t base_offset = 0);

// CRC-32 (the zip/PNG polynomial) of `data`.
uint32_t zip_crc32(const std::vector<uint8_t>& data);

}  // namespace mconv
