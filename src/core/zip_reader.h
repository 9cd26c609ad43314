// A reader for the ZIP archives other tools write with STORED (uncompressed) entries, such as
// torch.save's checkpoints (torch >= 1.6 writes every record stored, 64-byte aligned) and the
// associated files appended to a TFLite model (offsets counted from the file or from the archive's
// own start: both are read). The archive stays in the caller's buffer: entries are views into it, nothing is inflated or copied.
// Compressed or encrypted entries are refused with an error naming the entry; ZIP64 archives
// (over 4 GiB or 65535 entries, and torch's zip64 extras) are read. Every offset and size is
// checked against the buffer, so a truncated or hostile archive is an error, never a read out of
// bounds.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace mconv {

struct ZipEntry {
  std::string name;          // path inside the archive, as stored
  uint64_t data_offset = 0;  // where its bytes start in the archive buffer
  uint64_t size = 0;         // its byte count (stored: compressed == uncompressed)
  uint32_t crc32 = 0;        // CRC-32 from the central directory
};

struct ZipLimits {
  uint64_t max_entries = 1'000'000;  // central directory records
  size_t max_name_bytes = 4096;      // one entry name
};

class ZipReader {
 public:
  // Reads the central directory of `archive`, which must outlive the reader.
  static Expected<ZipReader> open(std::span<const uint8_t> archive, const ZipLimits& limits = {});

  const std::vector<ZipEntry>& entries() const { return entries_; }
  // The entry called `name`, or nullptr.
  const ZipEntry* find(std::string_view name) const;
  // The bytes of `entry` (a view into the archive).
  std::span<const uint8_t> data(const ZipEntry& entry) const;
  // Checks the entry's bytes against its CRC-32; the error names the entry.
  Status check_crc(const ZipEntry& entry) const;

 private:
  std::span<const uint8_t> archive_;
  std::vector<ZipEntry> entries_;
};

// True when `bytes` start like a ZIP archive (a local file header signature "PK\3\4").
bool looks_like_zip(std::span<const uint8_t> bytes);
// True when `bytes` end with a ZIP end-of-central-directory record: an archive, possibly
// appended to other data.
bool ends_like_zip(std::span<const uint8_t> bytes);

}  // namespace mconv
