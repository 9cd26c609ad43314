#include "core/npy.h"

#include <cstring>

#include "core/file_io.h"

namespace mconv {
namespace {

struct DescrEntry {
  const char* descr;  // numpy dtype string, little-endian or byte-order-free
  DType dtype;
};
constexpr DescrEntry kDescr[] = {
    {"<f4", DType::kF32}, {"<f2", DType::kF16}, {"|i1", DType::kI8},  {"|u1", DType::kU8},
    {"<i2", DType::kI16}, {"<i4", DType::kI32}, {"<i8", DType::kI64}, {"|b1", DType::kBool},
};

// Finds the value text after 'key': in a Python dict literal header.
bool header_field(const std::string& h, const std::string& key, std::string* out) {
  size_t k = h.find("'" + key + "'");
  if (k == std::string::npos) return false;
  size_t colon = h.find(':', k);
  if (colon == std::string::npos) return false;
  size_t start = colon + 1;
  while (start < h.size() && h[start] == ' ') ++start;
  if (start >= h.size()) return false;
  size_t end;
  if (h[start] == '\'') {
    end = h.find('\'', start + 1);
    if (end == std::string::npos) return false;
    *out = h.substr(start + 1, end - start - 1);
  } else if (h[start] == '(') {
    end = h.find(')', start);
    if (end == std::string::npos) return false;
    *out = h.substr(start + 1, end - start - 1);
  } else {
    end = h.find_first_of(",}", start);
    if (end == std::string::npos) return false;
    *out = h.substr(start, end - start);
  }
  return true;
}

// Header text quoted in an error: control bytes become '?' and long text is cut, so a hostile
// header cannot break the one-line error rule (or flood the terminal).
std::string printable(const std::string& text) {
  constexpr size_t kMaxChars = 60;
  std::string out;
  for (size_t i = 0; i < text.size() && i < kMaxChars; ++i) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    out += (c < 0x20 || c >= 0x7f) ? '?' : static_cast<char>(c);
  }
  if (text.size() > kMaxChars) out += "...";
  return out;
}

}  // namespace

Expected<Tensor> parse_npy(const std::vector<uint8_t>& bytes) {
  static const char kMagic[] = "\x93NUMPY";
  if (bytes.size() < 10 || std::memcmp(bytes.data(), kMagic, 6) != 0)
    return Status::Error("not a .npy file (bad magic)");
  uint8_t major = bytes[6];
  size_t header_len, header_start;
  if (major == 1) {
    header_len = bytes[8] | (bytes[9] << 8);
    header_start = 10;
  } else if (major == 2 || major == 3) {
    if (bytes.size() < 12) return Status::Error("truncated .npy header");
    header_len = bytes[8] | (bytes[9] << 8) | (bytes[10] << 16) | (static_cast<size_t>(bytes[11]) << 24);
    header_start = 12;
  } else {
    return Status::Error("unsupported .npy version " + std::to_string(major));
  }
  if (header_len > bytes.size() - header_start) return Status::Error("truncated .npy header");
  std::string header(reinterpret_cast<const char*>(bytes.data() + header_start), header_len);

  std::string descr, fortran, shape_text;
  if (!header_field(header, "descr", &descr) || !header_field(header, "fortran_order", &fortran) ||
      !header_field(header, "shape", &shape_text))
    return Status::Error("malformed .npy header");
  if (fortran.find("True") != std::string::npos)
    return Status::Error(".npy in Fortran order is not supported");
  DType dtype = DType::kUndefined;
  for (const auto& e : kDescr)
    if (descr == e.descr || (descr.size() == 3 && descr[0] == '=' && descr.substr(1) == e.descr + 1))
      dtype = e.dtype;
  if (descr == "<u1" || descr == "<i1") dtype = descr == "<u1" ? DType::kU8 : DType::kI8;
  if (descr == "|?" || descr == "<?") dtype = DType::kBool;
  if (dtype == DType::kUndefined)
    return Status::Error("unsupported .npy dtype '" + printable(descr) + "'");

  std::vector<int64_t> shape;
  size_t pos = 0;
  while (pos < shape_text.size()) {
    while (pos < shape_text.size() && (shape_text[pos] == ' ' || shape_text[pos] == ',')) ++pos;
    if (pos >= shape_text.size()) break;
    size_t end = pos;
    while (end < shape_text.size() && shape_text[end] >= '0' && shape_text[end] <= '9') ++end;
    if (end == pos || end - pos > 15)
      return Status::Error("malformed .npy shape '" + printable(shape_text) + "'");
    shape.push_back(std::stoll(shape_text.substr(pos, end - pos)));
    while (end < shape_text.size() && shape_text[end] == 'L') ++end;
    pos = end;
  }
  int64_t count = shape_element_count(shape);
  size_t data_start = header_start + header_len;
  if (count < 0 || static_cast<uint64_t>(count) > (bytes.size() - data_start) / dtype_size(dtype))
    return Status::Error(".npy data shorter than its shape " + shape_to_string(shape));
  size_t nbytes = static_cast<size_t>(count) * dtype_size(dtype);
  std::vector<uint8_t> data(bytes.begin() + data_start, bytes.begin() + data_start + nbytes);
  return Tensor::FromBytes(dtype, std::move(shape), std::move(data));
}

Expected<Tensor> read_npy(const std::string& path) {
  MCONV_ASSIGN_OR_RETURN(auto bytes, read_file_bytes(path));
  Expected<Tensor> t = parse_npy(bytes);
  if (!t.ok()) return t.status().with_context(path);
  return t;
}

std::vector<uint8_t> serialize_npy(const Tensor& tensor) {
  const char* descr = "<f4";
  for (const auto& e : kDescr)
    if (e.dtype == tensor.dtype()) descr = e.descr;
  std::string shape;
  for (size_t i = 0; i < tensor.shape().size(); ++i)
    shape += std::to_string(tensor.shape()[i]) + (tensor.shape().size() == 1 ? "," : (i + 1 < tensor.shape().size() ? ", " : ""));
  std::string header = std::string("{'descr': '") + descr + "', 'fortran_order': False, 'shape': (" +
                       shape + "), }";
  // Pad so that data starts on a 64-byte boundary, header ends with '\n'.
  size_t total = 10 + header.size() + 1;
  header.append((64 - total % 64) % 64, ' ');
  header += '\n';
  std::vector<uint8_t> out = {0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0,
                              static_cast<uint8_t>(header.size() & 0xFF),
                              static_cast<uint8_t>(header.size() >> 8)};
  out.insert(out.end(), header.begin(), header.end());
  out.insert(out.end(), tensor.bytes().begin(), tensor.bytes().end());
  return out;
}

Status write_npy(const std::string& path, const Tensor& tensor) {
  return write_file_atomic(path, serialize_npy(tensor));
}

}  // namespace mconv
