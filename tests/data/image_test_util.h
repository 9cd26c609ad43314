// Test-only helpers: write small PNG/JPEG files with libpng/libjpeg directly (so the decoders are
// checked against files made by the reference libraries, not by our own code), and file I/O.
#pragma once

#include <png.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

// clang-format off
#include <jpeglib.h>  // after <cstdio>
// clang-format on

namespace mconv::test {

inline std::vector<uint8_t> read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::vector<uint8_t>(std::istreambuf_iterator<char>(in), {});
}

inline void write_bytes(const std::string& path, const std::vector<uint8_t>& bytes) {
  std::ofstream out(path, std::ios::binary);
  out.write(reinterpret_cast<const char*>(bytes.data()),
            static_cast<std::streamsize>(bytes.size()));
}

// CRC-32 as PNG chunks use it (over chunk type + data), computed bit by bit.
inline uint32_t png_crc_for_test(const std::vector<uint8_t>& type_and_data) {
  uint32_t crc = 0xffffffffu;
  for (uint8_t byte : type_and_data) {
    crc ^= byte;
    for (int bit = 0; bit < 8; ++bit) crc = (crc >> 1) ^ (0xedb88320u & (0u - (crc & 1u)));
  }
  return crc ^ 0xffffffffu;
}

// Everything libpng needs to write one PNG. `rows` holds height rows of packed samples in the
// PNG's own format (big-endian for 16 bits, packed bits below 8).
struct PngSpec {
  int width = 0;                           // pixels per row
  int height = 0;                          // rows
  int bit_depth = 8;                       // 1, 2, 4, 8 or 16
  int color_type = PNG_COLOR_TYPE_RGB;     // PNG_COLOR_TYPE_*
  bool interlaced = false;                 // Adam7
  std::vector<png_color> palette;          // for PNG_COLOR_TYPE_PALETTE
  std::vector<uint8_t> palette_alpha;      // tRNS entries for palettes
  std::vector<std::vector<uint8_t>> rows;  // raw row bytes
};

// Writes `spec` to `path` with libpng; returns false on any libpng error.
inline bool write_png_file(const std::string& path, const PngSpec& spec) {
  FILE* file = std::fopen(path.c_str(), "wb");
  if (!file) return false;
  png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, nullptr, nullptr, nullptr);
  png_infop info = png_create_info_struct(png);
  std::vector<png_bytep> row_pointers;
  for (const auto& row : spec.rows) row_pointers.push_back(const_cast<png_bytep>(row.data()));
  if (setjmp(png_jmpbuf(png))) {
    png_destroy_write_struct(&png, &info);
    std::fclose(file);
    return false;
  }
  png_init_io(png, file);
  png_set_IHDR(png, info, spec.width, spec.height, spec.bit_depth, spec.color_type,
               spec.interlaced ? PNG_INTERLACE_ADAM7 : PNG_INTERLACE_NONE,
               PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
  if (!spec.palette.empty()) {
    png_set_PLTE(png, info, spec.palette.data(), static_cast<int>(spec.palette.size()));
  }
  if (!spec.palette_alpha.empty()) {
    png_set_tRNS(png, info, spec.palette_alpha.data(), static_cast<int>(spec.palette_alpha.size()),
                 nullptr);
  }
  png_write_info(png, info);
  png_write_image(png, row_pointers.data());
  png_write_end(png, nullptr);
  png_destroy_write_struct(&png, &info);
  std::fclose(file);
  return true;
}

// Encodes `samples` (height rows of width * components bytes) with libjpeg at quality 100.
inline std::vector<uint8_t> encode_jpeg(int width, int height, int components,
                                        J_COLOR_SPACE color_space,
                                        const std::vector<uint8_t>& samples) {
  jpeg_compress_struct cinfo;
  jpeg_error_mgr err;
  cinfo.err = jpeg_std_error(&err);
  jpeg_create_compress(&cinfo);
  unsigned char* buffer = nullptr;
  unsigned long size = 0;
  jpeg_mem_dest(&cinfo, &buffer, &size);
  cinfo.image_width = static_cast<JDIMENSION>(width);
  cinfo.image_height = static_cast<JDIMENSION>(height);
  cinfo.input_components = components;
  cinfo.in_color_space = color_space;
  jpeg_set_defaults(&cinfo);
  jpeg_set_quality(&cinfo, 100, TRUE);
  jpeg_start_compress(&cinfo, TRUE);
  while (cinfo.next_scanline < cinfo.image_height) {
    JSAMPROW row =
        const_cast<JSAMPROW>(samples.data() + size_t(cinfo.next_scanline) * width * components);
    jpeg_write_scanlines(&cinfo, &row, 1);
  }
  jpeg_finish_compress(&cinfo);
  jpeg_destroy_compress(&cinfo);
  std::vector<uint8_t> bytes(buffer, buffer + size);
  std::free(buffer);
  return bytes;
}

// libjpeg's num_components for a JPEG file, read with the stock library (-1 when unreadable).
inline int jpeg_component_count(const std::vector<uint8_t>& bytes) {
  if (bytes.size() < 4) return -1;
  jpeg_decompress_struct cinfo;
  jpeg_error_mgr err;
  cinfo.err = jpeg_std_error(&err);
  jpeg_create_decompress(&cinfo);
  jpeg_mem_src(&cinfo, bytes.data(), static_cast<unsigned long>(bytes.size()));
  jpeg_read_header(&cinfo, TRUE);
  const int components = cinfo.num_components;
  jpeg_destroy_decompress(&cinfo);
  return components;
}

}  // namespace mconv::test
