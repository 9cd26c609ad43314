// Hand-built torch.save files for the tests: a tiny pickle writer (opcodes by name) and a STORED
// ZIP writer, so that hostile and unusual checkpoints are made in the test itself (nothing
// committed) byte by byte, exactly as an attacker or an old tool would write them.
#pragma once

#include <zlib.h>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace mconv::torch::test {

class PickleWriter {
 public:
  PickleWriter() { proto(2); }
  PickleWriter& proto(int v) { return raw("\x80").byte(v); }
  PickleWriter& raw(const std::string& s) {
    bytes_ += s;
    return *this;
  }
  PickleWriter& byte(int v) {
    bytes_ += static_cast<char>(v);
    return *this;
  }
  PickleWriter& u32(uint32_t v) {
    for (int i = 0; i < 4; ++i) byte((v >> (8 * i)) & 0xff);
    return *this;
  }
  PickleWriter& mark() { return raw("("); }
  PickleWriter& global(const std::string& module, const std::string& name) {
    return raw("c" + module + "\n" + name + "\n");
  }
  PickleWriter& str(const std::string& s) {
    raw("X").u32(static_cast<uint32_t>(s.size()));
    return raw(s);
  }
  PickleWriter& integer(int32_t v) {
    raw("J");
    return u32(static_cast<uint32_t>(v));
  }
  PickleWriter& tuple() { return raw("t"); }
  PickleWriter& empty_tuple() { return raw(")"); }
  PickleWriter& empty_dict() { return raw("}"); }
  PickleWriter& empty_list() { return raw("]"); }
  PickleWriter& reduce() { return raw("R"); }
  PickleWriter& setitems() { return raw("u"); }
  PickleWriter& stop() { return raw("."); }
  // A tensor as torch writes it: _rebuild_tensor_v2((persistent storage), offset, size, stride,
  // False, OrderedDict()).
  PickleWriter& tensor(const std::string& key, int64_t storage_elements, int64_t offset,
                       const std::vector<int32_t>& sizes, const std::vector<int32_t>& strides,
                       const std::string& storage_type = "FloatStorage") {
    global("torch._utils", "_rebuild_tensor_v2").mark();
    mark().str("storage").global("torch", storage_type).str(key).str("cpu");
    integer(static_cast<int32_t>(storage_elements)).tuple().raw("Q");
    integer(static_cast<int32_t>(offset));
    mark();
    for (int32_t s : sizes) integer(s);
    tuple().mark();
    for (int32_t s : strides) integer(s);
    tuple().raw("\x89");
    global("collections", "OrderedDict").empty_tuple().reduce();
    return tuple().reduce();
  }
  const std::string& bytes() const { return bytes_; }

 private:
  std::string bytes_;
};

struct ZipFileEntry {
  std::string name;
  std::string data;
  uint16_t method = 0;  // 0 stored, 8 deflate (the reader must refuse it)
  uint16_t flags = 0;   // bit 0: encrypted
};

inline void put16(std::string& s, uint32_t v) {
  s += static_cast<char>(v & 0xff);
  s += static_cast<char>((v >> 8) & 0xff);
}
inline void put32(std::string& s, uint32_t v) {
  put16(s, v & 0xffff);
  put16(s, v >> 16);
}

inline void put64(std::string& s, uint64_t v) {
  put32(s, static_cast<uint32_t>(v));
  put32(s, static_cast<uint32_t>(v >> 32));
}

// `zip64`: central records say 0xffffffff for sizes and offsets and carry the real values in a
// ZIP64 extra field; the end record points at a ZIP64 end record through its locator.
inline std::string write_zip(const std::vector<ZipFileEntry>& entries, bool zip64 = false) {
  std::string out, central;
  for (const ZipFileEntry& e : entries) {
    const uint32_t crc = static_cast<uint32_t>(::crc32(
        0, reinterpret_cast<const Bytef*>(e.data.data()), static_cast<uInt>(e.data.size())));
    const uint32_t offset = static_cast<uint32_t>(out.size());
    // The fields a local header and its central record share, from "flags" to the name length.
    auto put_shared_fields = [&](std::string& to, uint32_t size) {
      put16(to, e.flags);
      put16(to, e.method);
      put32(to, 0);  // time and date
      put32(to, crc);
      put32(to, size);  // compressed
      put32(to, size);  // uncompressed
      put16(to, static_cast<uint32_t>(e.name.size()));
    };
    put32(out, 0x04034b50);
    put16(out, 20);
    put_shared_fields(out, static_cast<uint32_t>(e.data.size()));
    put16(out, 0);
    out += e.name + e.data;
    put32(central, 0x02014b50);
    put16(central, 20);
    put16(central, 20);
    put_shared_fields(central, zip64 ? 0xffffffffu : static_cast<uint32_t>(e.data.size()));
    put16(central, zip64 ? 28 : 0);
    put16(central, 0);
    put16(central, 0);
    put16(central, 0);
    put32(central, 0);
    put32(central, zip64 ? 0xffffffffu : offset);
    central += e.name;
    if (zip64) {
      put16(central, 1);
      put16(central, 24);
      put64(central, e.data.size());
      put64(central, e.data.size());
      put64(central, offset);
    }
  }
  const uint32_t central_offset = static_cast<uint32_t>(out.size());
  out += central;
  if (zip64) {
    const uint64_t record = out.size();
    put32(out, 0x06064b50);
    put64(out, 44);
    put16(out, 45);
    put16(out, 45);
    put32(out, 0);
    put32(out, 0);
    put64(out, entries.size());
    put64(out, entries.size());
    put64(out, central.size());
    put64(out, central_offset);
    put32(out, 0x07064b50);
    put32(out, 0);
    put64(out, record);
    put32(out, 1);
  }
  put32(out, 0x06054b50);
  put16(out, 0);
  put16(out, 0);
  put16(out, zip64 ? 0xffff : static_cast<uint32_t>(entries.size()));
  put16(out, zip64 ? 0xffff : static_cast<uint32_t>(entries.size()));
  put32(out, zip64 ? 0xffffffffu : static_cast<uint32_t>(central.size()));
  put32(out, zip64 ? 0xffffffffu : central_offset);
  put16(out, 0);
  return out;
}

// float32 values as raw little-endian bytes.
inline std::string f32_bytes(const std::vector<float>& v) {
  return std::string(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(float));
}

// A torch.save ZIP archive: archive/data.pkl, archive/byteorder, archive/data/<key> per storage.
inline std::string torch_zip(const std::string& pickle,
                             const std::vector<std::pair<std::string, std::string>>& storages,
                             bool zip64 = false) {
  std::vector<ZipFileEntry> entries = {{"archive/data.pkl", pickle},
                                       {"archive/byteorder", "little"}};
  for (const auto& [key, data] : storages) entries.push_back({"archive/data/" + key, data});
  return write_zip(entries, zip64);
}

inline std::vector<uint8_t> as_bytes(const std::string& s) {
  return {s.begin(), s.end()};
}

}  // namespace mconv::torch::test
