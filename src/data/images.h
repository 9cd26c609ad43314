// Image decoding: JPEG (libjpeg-turbo) and PNG (libpng) into 8-bit interleaved RGB, the form every
// preprocessing preset starts from. Greyscale, CMYK, palette and alpha inputs are converted the way
// PIL's Image.convert("RGB") does (replicate grey, drop alpha, CMYK via PIL's formula); 16-bit PNG
// samples keep their high byte. Hostile headers are refused before any pixel buffer is allocated.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "core/status.h"

namespace mconv {

// Largest width or height accepted from a header.
inline constexpr int kMaxImageSide = 16384;
// Largest width * height accepted (64 Mpixel = 192 MiB of RGB), so a 16k x 16k header is refused.
inline constexpr int64_t kMaxImagePixels = int64_t{64} << 20;
// Largest image file read from disk.
inline constexpr uint64_t kMaxImageFileBytes = uint64_t{256} << 20;

// An 8-bit RGB image, row-major with interleaved channels (PIL's "RGB" mode).
struct RgbImage {
  int width = 0;                // pixels per row
  int height = 0;               // number of rows
  std::vector<uint8_t> pixels;  // height * width * 3 bytes: R, G, B of each pixel in turn

  RgbImage() = default;
  // Zero-filled image of the given size (callers check the size against the caps first).
  RgbImage(int w, int h) : width(w), height(h), pixels(size_t(w) * size_t(h) * 3) {}

  uint8_t* row(int y) { return pixels.data() + size_t(y) * size_t(width) * 3; }
  const uint8_t* row(int y) const { return pixels.data() + size_t(y) * size_t(width) * 3; }
  uint8_t* at(int x, int y) { return row(y) + size_t(x) * 3; }
  const uint8_t* at(int x, int y) const { return row(y) + size_t(x) * 3; }
};

enum class ImageFormat : uint8_t { kUnknown, kJpeg, kPng };

// Format from the leading magic bytes (file extensions are not trusted).
ImageFormat sniff_image_format(std::span<const uint8_t> bytes);

// True when 1 <= width, height <= kMaxImageSide and width * height <= kMaxImagePixels.
bool image_dimensions_ok(int64_t width, int64_t height);
// The same check as a Status; `name` prefixes the error.
Status check_image_dimensions(int64_t width, int64_t height, const std::string& name);

// Decoders over an in-memory file; `name` (usually the path) prefixes every one-line error:
// "cat.jpg: truncated JPEG (premature end of data)".
Expected<RgbImage> decode_jpeg(std::span<const uint8_t> bytes, const std::string& name);
Expected<RgbImage> decode_png(std::span<const uint8_t> bytes, const std::string& name);
// Sniffs the format, then decodes; unknown formats are an error.
Expected<RgbImage> decode_image(std::span<const uint8_t> bytes, const std::string& name);
// Reads (at most kMaxImageFileBytes) and decodes the file at `path`.
Expected<RgbImage> load_image(const std::string& path);

}  // namespace mconv
