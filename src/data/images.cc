// Format sniffing, the dimension caps and the file-level entry points shared by both decoders.
#include "data/images.h"

#include <cstring>

#include "core/file_io.h"

namespace mconv {

ImageFormat sniff_image_format(std::span<const uint8_t> bytes) {
  static constexpr uint8_t kPngSignature[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
  if (bytes.size() >= 3 && bytes[0] == 0xff && bytes[1] == 0xd8 && bytes[2] == 0xff) {
    return ImageFormat::kJpeg;  // SOI followed by the first marker
  }
  if (bytes.size() >= 8 && std::memcmp(bytes.data(), kPngSignature, 8) == 0)
    return ImageFormat::kPng;
  return ImageFormat::kUnknown;
}

bool image_dimensions_ok(int64_t width, int64_t height) {
  return width >= 1 && height >= 1 && width <= kMaxImageSide && height <= kMaxImageSide &&
         width * height <= kMaxImagePixels;
}

Status check_image_dimensions(int64_t width, int64_t height, const std::string& name) {
  if (image_dimensions_ok(width, height)) return Status::Ok();
  return Status::Error(name + ": image size " + std::to_string(width) + "x" +
                       std::to_string(height) + " refused (limits: sides 1.." +
                       std::to_string(kMaxImageSide) + ", at most " +
                       std::to_string(kMaxImagePixels) + " pixels)");
}

Expected<RgbImage> decode_image(std::span<const uint8_t> bytes, const std::string& name) {
  switch (sniff_image_format(bytes)) {
    case ImageFormat::kJpeg:
      return decode_jpeg(bytes, name);
    case ImageFormat::kPng:
      return decode_png(bytes, name);
    case ImageFormat::kUnknown:
      break;
  }
  if (bytes.empty()) return Status::Error(name + ": empty file");
  return Status::Error(name + ": unsupported image format (not JPEG or PNG)");
}

Expected<RgbImage> load_image(const std::string& path) {
  MCONV_ASSIGN_OR_RETURN(std::vector<uint8_t> bytes, read_file_bytes(path, kMaxImageFileBytes));
  return decode_image(bytes, path);
}

}  // namespace mconv
