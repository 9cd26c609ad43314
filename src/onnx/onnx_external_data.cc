#include "onnx/onnx_external_data.h"

#include <filesystem>
#include <fstream>
#include <optional>

#include "onnx/onnx_pb.h"
#include "onnx/onnx_types.h"

namespace mconv::onnx {
namespace fs = std::filesystem;
namespace {

// Decimal, non-negative, no sign or spaces, fits int64 (ONNX stores offsets as strings).
std::optional<uint64_t> parse_size(const std::string& text) {
  if (text.empty() || text.size() > 18) return std::nullopt;
  uint64_t value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + static_cast<uint64_t>(c - '0');
  }
  return value;
}

// Lexical checks before touching the file system: relative, no '..', no control characters.
Status check_location_text(const std::string& location) {
  if (location.empty()) return Status::Error("external data has an empty location");
  for (char c : location)
    if (static_cast<unsigned char>(c) < 0x20)
      return Status::Error("external data location contains control characters");
  if (location.front() == '/' || location.front() == '\\' ||
      (location.size() > 1 && location[1] == ':'))
    return Status::Error("external data location '" + printable(location) +
                         "' is an absolute path; only files beside the model are allowed");
  // Split on both separators: a model written on Windows may use '\'.
  size_t start = 0;
  while (start <= location.size()) {
    size_t end = location.find_first_of("/\\", start);
    if (end == std::string::npos) end = location.size();
    if (location.compare(start, end - start, "..") == 0 && end - start == 2)
      return Status::Error("external data location '" + printable(location) +
                           "' contains '..'; only files beside the model are allowed");
    start = end + 1;
  }
  return Status::Ok();
}

bool is_inside(const fs::path& dir, const fs::path& file) {
  auto d = dir.begin(), f = file.begin();
  for (; d != dir.end(); ++d, ++f) {
    if (f == file.end() || *d != *f) return false;
  }
  return f != file.end();
}

}  // namespace

Expected<std::vector<uint8_t>> read_external_data(const ::onnx::TensorProto& tensor,
                                                  const std::string& base_dir,
                                                  uint64_t expected_bytes) {
  std::string location;
  std::optional<uint64_t> offset, length;
  for (const auto& entry : tensor.external_data()) {
    if (entry.key() == "location") {
      location = entry.value();
    } else if (entry.key() == "offset") {
      offset = parse_size(entry.value());
      if (!offset)
        return Status::Error("external data offset '" + printable(entry.value()) +
                             "' is not a non-negative integer");
    } else if (entry.key() == "length") {
      length = parse_size(entry.value());
      if (!length)
        return Status::Error("external data length '" + printable(entry.value()) +
                             "' is not a non-negative integer");
    }
  }
  MCONV_RETURN_IF_ERROR(check_location_text(location));
  if (base_dir.empty())
    return Status::Error("tensor uses external data but the model was not loaded from a file");

  std::error_code ec;
  const fs::path dir = fs::canonical(base_dir, ec);
  if (ec) return Status::Error("model directory '" + printable(base_dir) + "' is not accessible");
  const fs::path file = fs::canonical(dir / location, ec);  // follows symlinks
  if (ec) return Status::Error("external data file '" + printable(location) + "' not found");
  if (!is_inside(dir, file))
    return Status::Error("external data file '" + printable(location) +
                         "' resolves outside the model's directory");
  if (!fs::is_regular_file(file, ec))
    return Status::Error("external data file '" + printable(location) + "' is not a regular file");
  const uint64_t file_size = fs::file_size(file, ec);
  if (ec)
    return Status::Error("cannot read the size of external data file '" + printable(location) +
                         "'");

  const uint64_t begin = offset.value_or(0);
  if (begin > file_size)
    return Status::Error("external data offset " + std::to_string(begin) + " is past the end of '" +
                         printable(location) + "' (" + std::to_string(file_size) + " bytes)");
  const uint64_t count = length.value_or(file_size - begin);
  if (count > file_size - begin)
    return Status::Error("external data range " + std::to_string(begin) + "+" +
                         std::to_string(count) + " is past the end of '" + printable(location) +
                         "' (" + std::to_string(file_size) + " bytes)");
  if (count != expected_bytes)
    return Status::Error("external data holds " + std::to_string(count) +
                         " bytes, the tensor needs " + std::to_string(expected_bytes));

  std::ifstream in(file, std::ios::binary);
  std::vector<uint8_t> bytes(static_cast<size_t>(count));
  if (!in.seekg(static_cast<std::streamoff>(begin)) ||
      !in.read(reinterpret_cast<char*>(bytes.data()), static_cast<std::streamsize>(count)))
    return Status::Error("failed reading external data file '" + printable(location) + "'");
  return bytes;
}

}  // namespace mconv::onnx
