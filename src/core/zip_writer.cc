#include "core/zip_writer.h"

#include <zlib.h>

#include <limits>
#include <set>

namespace mconv {
namespace {

constexpr uint32_t kLocalHeaderSignature = 0x04034b50;    // "PK\3\4"
constexpr uint32_t kCentralHeaderSignature = 0x02014b50;  // "PK\1\2"
constexpr uint32_t kEndOfCentralSignature = 0x06054b50;   // "PK\5\6"
constexpr uint16_t kVersionNeeded = 10;                   // 1.0: stored entries
constexpr uint16_t kMethodStored = 0;
// MS-DOS date 1980-01-01 00:00: deterministic output (the zip epoch).
constexpr uint16_t kDosTime = 0;
constexpr uint16_t kDosDate = (0 << 9) | (1 << 5) | 1;
constexpr uint64_t kMax32 = std::numeric_limits<uint32_t>::max();

void put16(std::vector<uint8_t>& out, uint16_t v) {
  out.push_back(static_cast<uint8_t>(v));
  out.push_back(static_cast<uint8_t>(v >> 8));
}
void put32(std::vector<uint8_t>& out, uint32_t v) {
  put16(out, static_cast<uint16_t>(v));
  put16(out, static_cast<uint16_t>(v >> 16));
}

// Fields shared by the local and the central header, from "version needed" to the name length.
void put_common(std::vector<uint8_t>& out, const ZipEntry& e, uint32_t crc) {
  put16(out, kVersionNeeded);
  put16(out, 0);  // flags: sizes known up front, no data descriptor
  put16(out, kMethodStored);
  put16(out, kDosTime);
  put16(out, kDosDate);
  put32(out, crc);
  put32(out, static_cast<uint32_t>(e.data.size()));  // compressed size = size when stored
  put32(out, static_cast<uint32_t>(e.data.size()));
  put16(out, static_cast<uint16_t>(e.name.size()));
}

}  // namespace

uint32_t zip_crc32(const std::vector<uint8_t>& data) {
  uLong crc = crc32(0L, Z_NULL, 0);
  // zlib takes uInt lengths: feed large buffers in pieces.
  size_t done = 0;
  while (done < data.size()) {
    const size_t n = std::min<size_t>(data.size() - done, 1u << 30);
    crc = crc32(crc, data.data() + done, static_cast<uInt>(n));
    done += n;
  }
  return static_cast<uint32_t>(crc);
}

Expected<std::vector<uint8_t>> write_stored_zip(const std::vector<ZipEntry>& entries,
                                                uint64_t base_offset) {
  if (entries.size() > 0xffff)
    return Status::Error("zip: " + std::to_string(entries.size()) +
                         " entries exceed the 65535 of a non-zip64 archive");
  std::set<std::string> names;
  for (const ZipEntry& e : entries) {
    if (e.name.empty()) return Status::Error("zip: entry with an empty name");
    if (e.name.size() > 0xffff) return Status::Error("zip: entry name over 65535 bytes");
    if (!names.insert(e.name).second) return Status::Error("zip: duplicate entry '" + e.name + "'");
    if (e.data.size() >= kMax32)
      return Status::Error("zip: entry '" + e.name + "' is over 4 GiB (zip64 not written)");
  }

  std::vector<uint8_t> out;
  std::vector<uint32_t> crcs, offsets;
  for (const ZipEntry& e : entries) {
    const uint64_t offset = base_offset + out.size();
    if (offset >= kMax32) return Status::Error("zip: archive offset beyond 4 GiB");
    offsets.push_back(static_cast<uint32_t>(offset));
    crcs.push_back(zip_crc32(e.data));
    put32(out, kLocalHeaderSignature);
    put_common(out, e, crcs.back());
    put16(out, 0);  // extra field length
    out.insert(out.end(), e.name.begin(), e.name.end());
    out.insert(out.end(), e.data.begin(), e.data.end());
  }

  const uint64_t central_start = base_offset + out.size();
  for (size_t i = 0; i < entries.size(); ++i) {
    const ZipEntry& e = entries[i];
    put32(out, kCentralHeaderSignature);
    put16(out, kVersionNeeded);  // version made by (MS-DOS, 1.0)
    put_common(out, e, crcs[i]);
    put16(out, 0);  // extra field length
    put16(out, 0);  // comment length
    put16(out, 0);  // disk number start
    put16(out, 0);  // internal attributes
    put32(out, 0);  // external attributes
    put32(out, offsets[i]);
    out.insert(out.end(), e.name.begin(), e.name.end());
  }
  const uint64_t central_size = base_offset + out.size() - central_start;
  if (central_start >= kMax32 || central_size >= kMax32)
    return Status::Error("zip: central directory beyond 4 GiB");

  put32(out, kEndOfCentralSignature);
  put16(out, 0);  // this disk
  put16(out, 0);  // disk with the central directory
  put16(out, static_cast<uint16_t>(entries.size()));
  put16(out, static_cast<uint16_t>(entries.size()));
  put32(out, static_cast<uint32_t>(central_size));
  put32(out, static_cast<uint32_t>(central_start));
  put16(out, 0);  // comment length
  return out;
}

}  // namespace mconv
