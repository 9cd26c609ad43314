// PNG -> RGB with libpng. libpng reports fatal errors through our error callback, which records
// the message and longjmps back to decode_into(); as in jpeg_decode.cc that function keeps only
// trivially destructible locals, and the output vector lives in the caller's frame.
#include <png.h>

#include <csetjmp>
#include <cstdio>
#include <cstring>
#include <new>

#include "data/images.h"

namespace mconv {
namespace {

struct PngReadState {
  const uint8_t* data;  // whole file in memory
  size_t size;          // bytes in `data`
  size_t position;      // next byte libpng will read
  bool truncated;       // libpng asked for bytes past the end
  char message[256];    // libpng's text of the fatal error
};

void read_from_memory(png_structp png, png_bytep out, size_t count) {
  auto* state = static_cast<PngReadState*>(png_get_io_ptr(png));
  if (count > state->size - state->position) {
    state->truncated = true;
    png_error(png, "premature end of data");
  }
  std::memcpy(out, state->data + state->position, count);
  state->position += count;
}

[[noreturn]] void on_png_error(png_structp png, png_const_charp message) {
  auto* state = static_cast<PngReadState*>(png_get_error_ptr(png));
  std::snprintf(state->message, sizeof(state->message), "%s", message ? message : "unknown error");
  png_longjmp(png, 1);
}

// Warnings (bad ancillary CRCs, unknown profiles, ...) do not stop PIL and do not stop us.
void on_png_warning(png_structp, png_const_charp) {}

enum class DecodeOutcome { kOk, kLibpngError, kBadDimensions, kBadLayout, kOutOfMemory };

// Decodes into *out; returns kOk or why not. Only POD locals: see the file comment.
DecodeOutcome decode_into(PngReadState* state, RgbImage* out) {
  png_structp png =
      png_create_read_struct(PNG_LIBPNG_VER_STRING, state, on_png_error, on_png_warning);
  if (!png) return DecodeOutcome::kOutOfMemory;
  png_infop info = png_create_info_struct(png);
  if (!info) {
    png_destroy_read_struct(&png, nullptr, nullptr);
    return DecodeOutcome::kOutOfMemory;
  }
  if (setjmp(png_jmpbuf(png))) {
    png_destroy_read_struct(&png, &info, nullptr);
    return DecodeOutcome::kLibpngError;
  }
  png_set_read_fn(png, state, read_from_memory);
  // libpng refuses larger IHDR sizes itself, before reading any image data.
  png_set_user_limits(png, kMaxImageSide, kMaxImageSide);
  png_read_info(png, info);

  const png_uint_32 width = png_get_image_width(png, info);
  const png_uint_32 height = png_get_image_height(png, info);
  out->width = static_cast<int>(width);
  out->height = static_cast<int>(height);
  if (!image_dimensions_ok(width, height)) {
    png_destroy_read_struct(&png, &info, nullptr);
    return DecodeOutcome::kBadDimensions;
  }

  // Everything becomes 8-bit RGB the way PIL's convert("RGB") sees it: palettes expand to their
  // colours, low-bit grey widens to 8 bits, grey is replicated, alpha (and tRNS) is dropped,
  // and 16-bit samples keep their high byte (PIL's "RGB;16B" unpacking).
  const int color_type = png_get_color_type(png, info);
  if (color_type == PNG_COLOR_TYPE_PALETTE) png_set_palette_to_rgb(png);
  if (color_type == PNG_COLOR_TYPE_GRAY && png_get_bit_depth(png, info) < 8) {
    png_set_expand_gray_1_2_4_to_8(png);
  }
  if (png_get_bit_depth(png, info) == 16) png_set_strip_16(png);
  if (color_type == PNG_COLOR_TYPE_GRAY || color_type == PNG_COLOR_TYPE_GRAY_ALPHA) {
    png_set_gray_to_rgb(png);
  }
  png_set_strip_alpha(png);
  const int passes = png_set_interlace_handling(png);
  png_read_update_info(png, info);
  if (png_get_channels(png, info) != 3 || png_get_bit_depth(png, info) != 8) {
    png_destroy_read_struct(&png, &info, nullptr);
    return DecodeOutcome::kBadLayout;
  }

  try {
    out->pixels.assign(size_t(width) * size_t(height) * 3, 0);
  } catch (const std::bad_alloc&) {
    png_destroy_read_struct(&png, &info, nullptr);
    return DecodeOutcome::kOutOfMemory;
  }
  // With interlace handling on, every pass visits every row and libpng merges the pass's pixels
  // into the row already in place, so no row-pointer table is needed.
  for (int pass = 0; pass < passes; ++pass) {
    for (png_uint_32 y = 0; y < height; ++y)
      png_read_row(png, out->row(static_cast<int>(y)), nullptr);
  }
  png_destroy_read_struct(&png, &info, nullptr);
  return DecodeOutcome::kOk;
}

}  // namespace

Expected<RgbImage> decode_png(std::span<const uint8_t> bytes, const std::string& name) {
  if (bytes.empty()) return Status::Error(name + ": empty file");
  // Refuse hostile sizes from IHDR (always the first chunk, at a fixed offset) with our own
  // message before libpng is involved; libpng's user limits below are a second guard.
  if (bytes.size() >= 24 && std::memcmp(bytes.data() + 12, "IHDR", 4) == 0) {
    auto be32 = [&](size_t at) {
      return (uint32_t{bytes[at]} << 24) | (uint32_t{bytes[at + 1]} << 16) |
             (uint32_t{bytes[at + 2]} << 8) | uint32_t{bytes[at + 3]};
    };
    MCONV_RETURN_IF_ERROR(check_image_dimensions(be32(16), be32(20), name + ": PNG header"));
  }
  PngReadState state{bytes.data(), bytes.size(), 0, false, {}};
  RgbImage image;
  switch (decode_into(&state, &image)) {
    case DecodeOutcome::kOk:
      return image;
    case DecodeOutcome::kBadDimensions:
      return check_image_dimensions(image.width, image.height, name + ": PNG header");
    case DecodeOutcome::kBadLayout:
      return Status::Error(name + ": unsupported PNG pixel layout");
    case DecodeOutcome::kOutOfMemory:
      return Status::Error(name + ": out of memory decoding PNG");
    case DecodeOutcome::kLibpngError:
      break;
  }
  if (state.truncated) return Status::Error(name + ": truncated PNG (premature end of data)");
  return Status::Error(name + ": corrupt or unsupported PNG: " + state.message);
}

}  // namespace mconv
