// JPEG -> RGB with libjpeg-turbo. libjpeg reports fatal errors by calling error_exit, whose default
// prints and calls exit(): we replace it with a handler that records the message and longjmps back
// to decode_into(). That function therefore holds only trivially destructible locals (the output
// vector lives in the caller's frame) and everything it allocates comes from libjpeg's own pools,
// released by jpeg_destroy_decompress.
#include <csetjmp>
#include <cstdio>
#include <cstring>
#include <new>

// clang-format off
#include <jpeglib.h>  // after <cstdio>: it needs FILE and size_t declared first
#include <jerror.h>
// clang-format on

#include "data/images.h"

namespace mconv {
namespace {

struct JpegErrorManager {
  jpeg_error_mgr base;                // libjpeg's manager; must stay the first member
  std::jmp_buf jump;                  // where error_exit returns to
  char message[JMSG_LENGTH_MAX + 1];  // libjpeg's text of the fatal error
  bool truncated;                     // the data ended before the image did
};

[[noreturn]] void on_jpeg_error(j_common_ptr cinfo) {
  auto* err = reinterpret_cast<JpegErrorManager*>(cinfo->err);
  (*cinfo->err->format_message)(cinfo, err->message);
  std::longjmp(err->jump, 1);
}

// libjpeg only warns on premature end of data and pads the rest with grey; PIL refuses such files
// ("image file is truncated") and so do we. Other warnings (extraneous bytes, etc.) are ignored
// as PIL ignores them.
void on_jpeg_message(j_common_ptr cinfo, int level) {
  if (level >= 0) return;  // trace messages
  auto* err = reinterpret_cast<JpegErrorManager*>(cinfo->err);
  if (cinfo->err->msg_code == JWRN_JPEG_EOF) {
    err->truncated = true;
    std::longjmp(err->jump, 1);
  }
}

// PIL's CMYK -> RGB (Convert.c cmyk2rgb): channel = (255-k) - c*(255-k)/255, with its rounding
// of the division by 255.
inline uint8_t cmyk_channel(int ink, int inverse_black) {
  int product = ink * inverse_black + 128;
  int scaled = ((product >> 8) + product) >> 8;
  int value = inverse_black - scaled;
  return static_cast<uint8_t>(value < 0 ? 0 : value > 255 ? 255 : value);
}

// Outcome of decode_into() that is not an exception-free error message.
enum class DecodeOutcome {
  kOk,
  kLibjpegError,
  kTruncated,
  kBadDimensions,
  kBadComponents,
  kOutOfMemory
};

// Decodes into *out; returns kOk or why not. Only POD locals: see the file comment.
DecodeOutcome decode_into(const uint8_t* data, size_t size, JpegErrorManager* err, RgbImage* out) {
  jpeg_decompress_struct cinfo;
  cinfo.err = jpeg_std_error(&err->base);
  err->base.error_exit = on_jpeg_error;
  err->base.emit_message = on_jpeg_message;
  err->truncated = false;
  err->message[0] = '\0';
  if (setjmp(err->jump)) {
    jpeg_destroy_decompress(&cinfo);
    return err->truncated ? DecodeOutcome::kTruncated : DecodeOutcome::kLibjpegError;
  }
  jpeg_create_decompress(&cinfo);
  jpeg_mem_src(&cinfo, data, static_cast<unsigned long>(size));
  jpeg_read_header(&cinfo, TRUE);

  // Refuse hostile sizes before libjpeg allocates its coefficient/row buffers.
  out->width = static_cast<int>(cinfo.image_width);
  out->height = static_cast<int>(cinfo.image_height);
  if (!image_dimensions_ok(cinfo.image_width, cinfo.image_height)) {
    jpeg_destroy_decompress(&cinfo);
    return DecodeOutcome::kBadDimensions;
  }
  const bool cmyk = cinfo.jpeg_color_space == JCS_CMYK || cinfo.jpeg_color_space == JCS_YCCK;
  if (cinfo.num_components != 1 && cinfo.num_components != 3 && !cmyk) {
    jpeg_destroy_decompress(&cinfo);
    return DecodeOutcome::kBadComponents;
  }
  // Greyscale is replicated and YCbCr converted by libjpeg itself (as PIL's "L"->"RGB" and its
  // libjpeg-based YCbCr decoding do); CMYK/YCCK come out as CMYK and are converted below.
  cinfo.out_color_space = cmyk ? JCS_CMYK : JCS_RGB;
  jpeg_start_decompress(&cinfo);

  const int width = static_cast<int>(cinfo.output_width);
  const int height = static_cast<int>(cinfo.output_height);
  out->width = width;
  out->height = height;
  try {
    out->pixels.assign(size_t(width) * size_t(height) * 3, 0);
  } catch (const std::bad_alloc&) {
    jpeg_destroy_decompress(&cinfo);
    return DecodeOutcome::kOutOfMemory;
  }
  JSAMPARRAY cmyk_row =
      cmyk ? (*cinfo.mem->alloc_sarray)(reinterpret_cast<j_common_ptr>(&cinfo), JPOOL_IMAGE,
                                        static_cast<JDIMENSION>(width) * 4, 1)
           : nullptr;
  while (cinfo.output_scanline < cinfo.output_height) {
    const int y = static_cast<int>(cinfo.output_scanline);
    if (!cmyk) {
      JSAMPROW row = out->row(y);
      jpeg_read_scanlines(&cinfo, &row, 1);
      continue;
    }
    jpeg_read_scanlines(&cinfo, cmyk_row, 1);
    uint8_t* dst = out->row(y);
    const uint8_t* src = cmyk_row[0];
    for (int x = 0; x < width; ++x, src += 4, dst += 3) {
      // PIL reads every 4-component JPEG as inverted ("CMYK;I", the Adobe convention).
      const int inverse_black = src[3];  // 255 - (255 - stored)
      dst[0] = cmyk_channel(255 - src[0], inverse_black);
      dst[1] = cmyk_channel(255 - src[1], inverse_black);
      dst[2] = cmyk_channel(255 - src[2], inverse_black);
    }
  }
  jpeg_finish_decompress(&cinfo);
  jpeg_destroy_decompress(&cinfo);
  return DecodeOutcome::kOk;
}

}  // namespace

Expected<RgbImage> decode_jpeg(std::span<const uint8_t> bytes, const std::string& name) {
  if (bytes.empty()) return Status::Error(name + ": empty file");
  JpegErrorManager err;
  RgbImage image;
  switch (decode_into(bytes.data(), bytes.size(), &err, &image)) {
    case DecodeOutcome::kOk:
      return image;
    case DecodeOutcome::kTruncated:
      return Status::Error(name + ": truncated JPEG (premature end of data)");
    case DecodeOutcome::kBadDimensions:
      return check_image_dimensions(image.width, image.height, name + ": JPEG header");
    case DecodeOutcome::kOutOfMemory:
      return Status::Error(name + ": out of memory decoding JPEG");
    case DecodeOutcome::kBadComponents:
      return Status::Error(name + ": unsupported JPEG colour layout (not 1, 3 or 4 components)");
    case DecodeOutcome::kLibjpegError:
      break;
  }
  return Status::Error(name + ": corrupt or unsupported JPEG: " + err.message);
}

}  // namespace mconv
