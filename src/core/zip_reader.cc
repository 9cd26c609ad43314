#include "core/zip_reader.h"

#include <zlib.h>

#include <algorithm>
#include <optional>

namespace mconv {

namespace {

constexpr uint32_t kLocalHeader = 0x04034b50;
constexpr uint32_t kCentralHeader = 0x02014b50;
constexpr uint32_t kEndOfCentral = 0x06054b50;
constexpr uint32_t kZip64EndOfCentral = 0x06064b50;
constexpr uint32_t kZip64Locator = 0x07064b50;
constexpr uint16_t kZip64ExtraId = 0x0001;
constexpr size_t kEndOfCentralSize = 22;
constexpr size_t kCentralHeaderSize = 46;
constexpr size_t kLocalHeaderSize = 30;
constexpr size_t kMaxCommentSize = 0xffff;

// Little-endian reads at a position already checked to be inside the buffer.
uint16_t u16(const uint8_t* p) {
  return static_cast<uint16_t>(p[0] | (p[1] << 8));
}
uint32_t u32(const uint8_t* p) {
  return static_cast<uint32_t>(p[0]) | (static_cast<uint32_t>(p[1]) << 8) |
         (static_cast<uint32_t>(p[2]) << 16) | (static_cast<uint32_t>(p[3]) << 24);
}
uint64_t u64(const uint8_t* p) {
  return u32(p) | (static_cast<uint64_t>(u32(p + 4)) << 32);
}

// True when [offset, offset + size) lies inside a buffer of `total` bytes (overflow-safe).
bool inside(uint64_t total, uint64_t offset, uint64_t size) {
  return offset <= total && size <= total - offset;
}

// An entry name as it may appear in a one-line error (control characters replaced, length capped).
std::string printable(const std::string& name) {
  std::string out = name.substr(0, 120);
  for (char& c : out)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = '_';
  return out;
}

// Where the central directory is (in the buffer) and how many records it has; `base` is where
// the archive starts in the buffer, added to every offset the records hold.
struct Directory {
  uint64_t offset = 0;
  uint64_t size = 0;
  uint64_t count = 0;
  uint64_t base = 0;
};

// Position of the end-of-central-directory record: it sits at the end, followed only by a
// comment of at most 64 KiB.
std::optional<size_t> find_end_record(std::span<const uint8_t> a) {
  if (a.size() < kEndOfCentralSize) return std::nullopt;
  const size_t lowest = a.size() > kEndOfCentralSize + kMaxCommentSize
                            ? a.size() - kEndOfCentralSize - kMaxCommentSize
                            : 0;
  for (size_t eocd = a.size() - kEndOfCentralSize + 1; eocd-- > lowest;)
    if (u32(&a[eocd]) == kEndOfCentral) return eocd;
  return std::nullopt;
}

Expected<Directory> find_directory(std::span<const uint8_t> a) {
  if (a.size() < kEndOfCentralSize) return Status::Error("not a ZIP archive: too short");
  const std::optional<size_t> end = find_end_record(a);
  if (!end)
    return Status::Error("not a ZIP archive or truncated: no end-of-central-directory record");
  const size_t eocd = *end;
  const uint8_t* e = &a[eocd];
  Directory dir{u32(e + 16), u32(e + 12), u16(e + 10)};
  const bool needs_zip64 =
      dir.offset == 0xffffffffu || dir.size == 0xffffffffu || dir.count == 0xffffu;
  if (eocd >= 20 && u32(&a[eocd - 20]) == kZip64Locator) {
    const uint64_t record = u64(&a[eocd - 20 + 8]);
    if (!inside(a.size(), record, 56) || u32(&a[record]) != kZip64EndOfCentral)
      return Status::Error("ZIP64 end-of-central-directory record out of range");
    const uint8_t* z = &a[record];
    dir = Directory{u64(z + 48), u64(z + 40), u64(z + 32)};
  } else if (needs_zip64) {
    return Status::Error("ZIP64 archive without its end-of-central-directory locator");
  } else if (dir.offset + dir.size < eocd) {
    // The directory ends right before the end record; when the record places it earlier, the
    // archive was appended to other data with offsets counted from its own start (the form
    // some tools write after a TFLite model) and that distance is where the archive starts.
    dir.base = eocd - (dir.offset + dir.size);
    dir.offset += dir.base;
  }
  if (!inside(a.size(), dir.offset, dir.size))
    return Status::Error("central directory (" + std::to_string(dir.size) + " bytes at " +
                         std::to_string(dir.offset) + ") lies outside the " +
                         std::to_string(a.size()) + "-byte file (truncated?)");
  return dir;
}

// Applies the ZIP64 extra field: each 0xffffffff field of the record is replaced, in order.
Status apply_zip64_extra(const uint8_t* extra, size_t extra_len, const std::string& name,
                         uint64_t* size, uint64_t* compressed, uint64_t* local_offset) {
  size_t pos = 0;
  while (pos + 4 <= extra_len) {
    const uint16_t id = u16(extra + pos);
    const uint16_t len = u16(extra + pos + 2);
    pos += 4;
    if (pos + len > extra_len)
      return Status::Error("entry '" + printable(name) + "': bad extra field");
    if (id == kZip64ExtraId) {
      size_t field = pos;
      for (uint64_t* v : {size, compressed, local_offset}) {
        if (*v != 0xffffffffu) continue;
        if (field + 8 > pos + len)
          return Status::Error("entry '" + printable(name) + "': short ZIP64 extra field");
        *v = u64(extra + field);
        field += 8;
      }
    }
    pos += len;
  }
  if (*size == 0xffffffffu || *compressed == 0xffffffffu || *local_offset == 0xffffffffu)
    return Status::Error("entry '" + printable(name) +
                         "': ZIP64 sizes without a ZIP64 extra field");
  return Status::Ok();
}

}  // namespace

bool looks_like_zip(std::span<const uint8_t> bytes) {
  return bytes.size() >= 4 && u32(bytes.data()) == kLocalHeader;
}

bool ends_like_zip(std::span<const uint8_t> bytes) {
  return find_end_record(bytes).has_value();
}

Expected<ZipReader> ZipReader::open(std::span<const uint8_t> a, const ZipLimits& limits) {
  MCONV_ASSIGN_OR_RETURN(Directory dir, find_directory(a));
  if (dir.count > limits.max_entries)
    return Status::Error("ZIP archive has " + std::to_string(dir.count) +
                         " entries, over the limit of " + std::to_string(limits.max_entries));
  ZipReader reader;
  reader.archive_ = a;
  // Each record is at least 46 bytes, so the count cannot exceed what the directory can hold.
  reader.entries_.reserve(std::min<uint64_t>(dir.count, dir.size / kCentralHeaderSize));
  uint64_t pos = dir.offset;
  const uint64_t end = dir.offset + dir.size;
  for (uint64_t i = 0; i < dir.count; ++i) {
    if (!inside(end, pos, kCentralHeaderSize) || u32(&a[pos]) != kCentralHeader)
      return Status::Error("central directory record " + std::to_string(i) + " is damaged");
    const uint8_t* c = &a[pos];
    const uint16_t flags = u16(c + 8), method = u16(c + 10);
    const size_t name_len = u16(c + 28), extra_len = u16(c + 30), comment_len = u16(c + 32);
    if (!inside(end, pos + kCentralHeaderSize, name_len + extra_len + comment_len))
      return Status::Error("central directory record " + std::to_string(i) + " is truncated");
    if (name_len > limits.max_name_bytes)
      return Status::Error("ZIP entry name of " + std::to_string(name_len) + " bytes");
    ZipEntry entry;
    entry.name.assign(reinterpret_cast<const char*>(c + kCentralHeaderSize), name_len);
    entry.crc32 = u32(c + 16);
    uint64_t compressed = u32(c + 20), size = u32(c + 24), local = u32(c + 42);
    MCONV_RETURN_IF_ERROR(apply_zip64_extra(c + kCentralHeaderSize + name_len, extra_len,
                                            entry.name, &size, &compressed, &local));
    local += dir.base;
    if (flags & 1) return Status::Error("ZIP entry '" + printable(entry.name) + "' is encrypted");
    if (method != 0)
      return Status::Error("ZIP entry '" + printable(entry.name) + "' is compressed (method " +
                           std::to_string(method) + "); only stored entries are supported");
    if (compressed != size)
      return Status::Error("ZIP entry '" + printable(entry.name) + "' is stored with " +
                           std::to_string(compressed) + " bytes but says " + std::to_string(size));
    if (!inside(a.size(), local, kLocalHeaderSize) || u32(&a[local]) != kLocalHeader)
      return Status::Error("ZIP entry '" + printable(entry.name) +
                           "': local header missing (truncated?)");
    entry.data_offset = local + kLocalHeaderSize + u16(&a[local + 26]) + u16(&a[local + 28]);
    entry.size = size;
    if (!inside(a.size(), entry.data_offset, entry.size))
      return Status::Error("ZIP entry '" + printable(entry.name) + "' (" + std::to_string(size) +
                           " bytes) runs past the end of the file (truncated?)");
    reader.entries_.push_back(std::move(entry));
    pos += kCentralHeaderSize + name_len + extra_len + comment_len;
  }
  return reader;
}

const ZipEntry* ZipReader::find(std::string_view name) const {
  for (const ZipEntry& e : entries_)
    if (e.name == name) return &e;
  return nullptr;
}

std::span<const uint8_t> ZipReader::data(const ZipEntry& entry) const {
  return archive_.subspan(entry.data_offset, entry.size);
}

Status ZipReader::check_crc(const ZipEntry& entry) const {
  std::span<const uint8_t> bytes = data(entry);
  uLong crc = ::crc32(0L, Z_NULL, 0);
  // zlib takes at most 4 GiB per call.
  for (size_t done = 0; done < bytes.size();) {
    const size_t n = std::min<size_t>(bytes.size() - done, 1u << 30);
    crc = ::crc32(crc, bytes.data() + done, static_cast<uInt>(n));
    done += n;
  }
  if (static_cast<uint32_t>(crc) != entry.crc32)
    return Status::Error("ZIP entry '" + printable(entry.name) +
                         "' fails its CRC-32 check (corrupt file)");
  return Status::Ok();
}

}  // namespace mconv
