// JPEG and PNG decoding: real shared photos, files written by libpng/libjpeg in every pixel
// layout we convert, and corrupt / truncated / hostile inputs.
#include <filesystem>
#include <random>

#include "data/image_test_util.h"
#include "data/images.h"
#include "support/test_support.h"

namespace mconv {
namespace {

using test::read_bytes;
using test::write_bytes;

std::string shared_image(const std::string& name) {
  return test::shared_images_dir() + "/" + name;
}

// The 9 greyscale photos of the shared set include this one (320x221).
const char kGreyPhoto[] = "n02815834_beaker.JPEG";
const char kColourPhoto[] = "n01440764_tench.JPEG";

TEST(JpegDecode, GreyscaleSharedPhotoBecomesReplicatedRgb) {
  const std::string path = shared_image(kGreyPhoto);
  MCONV_REQUIRE_SHARED_FILE(path);
  const std::vector<uint8_t> bytes = read_bytes(path);
  ASSERT_EQ(test::jpeg_component_count(bytes), 1) << "expected a single-component JPEG";

  auto image = load_image(path);
  ASSERT_TRUE(image.ok()) << image.status().message();
  EXPECT_EQ(image->width, 320);
  EXPECT_EQ(image->height, 221);
  ASSERT_EQ(image->pixels.size(), size_t(320) * 221 * 3);
  int distinct_values = 0;
  std::vector<bool> seen(256, false);
  for (int y = 0; y < image->height; ++y) {
    for (int x = 0; x < image->width; ++x) {
      const uint8_t* p = image->at(x, y);
      ASSERT_EQ(p[0], p[1]) << "at " << x << "," << y;
      ASSERT_EQ(p[0], p[2]) << "at " << x << "," << y;
      if (!seen[p[0]]) {
        seen[p[0]] = true;
        ++distinct_values;
      }
    }
  }
  EXPECT_GT(distinct_values, 50) << "a real photo has many grey levels";
}

TEST(JpegDecode, ColourSharedPhotoMatchesHeaderSizeAndHasColour) {
  const std::string path = shared_image(kColourPhoto);
  MCONV_REQUIRE_SHARED_FILE(path);
  ASSERT_EQ(test::jpeg_component_count(read_bytes(path)), 3);
  auto image = load_image(path);
  ASSERT_TRUE(image.ok()) << image.status().message();
  EXPECT_EQ(image->width, 500);
  EXPECT_EQ(image->height, 375);
  int64_t coloured = 0;
  for (size_t i = 0; i < image->pixels.size(); i += 3) {
    coloured +=
        image->pixels[i] != image->pixels[i + 1] || image->pixels[i] != image->pixels[i + 2];
  }
  EXPECT_GT(coloured, int64_t(image->width) * image->height / 2);
}

TEST(JpegDecode, SolidRgbJpegDecodesToItsColour) {
  const int w = 16, h = 8;
  std::vector<uint8_t> samples;
  for (int i = 0; i < w * h; ++i) samples.insert(samples.end(), {200, 40, 90});
  const std::vector<uint8_t> bytes = test::encode_jpeg(w, h, 3, JCS_RGB, samples);
  auto image = decode_jpeg(bytes, "solid.jpg");
  ASSERT_TRUE(image.ok()) << image.status().message();
  ASSERT_EQ(image->width, w);
  ASSERT_EQ(image->height, h);
  for (int y = 0; y < h; ++y) {
    for (int x = 0; x < w; ++x) {
      EXPECT_NEAR(image->at(x, y)[0], 200, 2);
      EXPECT_NEAR(image->at(x, y)[1], 40, 2);
      EXPECT_NEAR(image->at(x, y)[2], 90, 2);
    }
  }
}

TEST(JpegDecode, CmykJpegUsesPilConversion) {
  // Stored inverted (Adobe/Photoshop convention, which PIL assumes for every CMYK JPEG):
  // ink c=0, m=128, y=255, k=64 is stored as 255-ink.
  const int w = 8, h = 8;
  std::vector<uint8_t> samples;
  for (int i = 0; i < w * h; ++i) samples.insert(samples.end(), {255, 127, 0, 191});
  const std::vector<uint8_t> bytes = test::encode_jpeg(w, h, 4, JCS_CMYK, samples);
  ASSERT_EQ(test::jpeg_component_count(bytes), 4);
  auto image = decode_jpeg(bytes, "cmyk.jpg");
  ASSERT_TRUE(image.ok()) << image.status().message();
  // PIL: channel = (255-k) - round(ink * (255-k) / 255): 191 - 0, 191 - 96, 191 - 191.
  const uint8_t* p = image->at(3, 3);
  EXPECT_NEAR(p[0], 191, 1);
  EXPECT_NEAR(p[1], 95, 1);
  EXPECT_NEAR(p[2], 0, 1);
}

TEST(JpegDecode, TruncatedFileIsAnErrorNamingTheFile) {
  const std::string path = shared_image(kColourPhoto);
  MCONV_REQUIRE_SHARED_FILE(path);
  std::vector<uint8_t> bytes = read_bytes(path);
  bytes.resize(bytes.size() / 2);
  const std::string truncated = test::make_temp_dir("jpeg_trunc") + "/half.jpg";
  write_bytes(truncated, bytes);
  auto image = load_image(truncated);
  ASSERT_FALSE(image.ok());
  const std::string message = image.status().message();
  EXPECT_EQ(message.rfind(truncated + ": ", 0), 0u) << message;
  EXPECT_NE(message.find("truncated JPEG"), std::string::npos) << message;
  EXPECT_EQ(message.find('\n'), std::string::npos);
}

TEST(JpegDecode, MissingEndMarkerIsTruncationAsInPil) {
  // PIL refuses such a file ("image file is truncated"); libjpeg's decoder notices the missing
  // data while still decoding the last rows, so the pixels are not all trustworthy either.
  const std::string path = shared_image(kColourPhoto);
  MCONV_REQUIRE_SHARED_FILE(path);
  std::vector<uint8_t> bytes = read_bytes(path);
  ASSERT_TRUE(decode_jpeg(bytes, "full.jpg").ok());
  ASSERT_EQ(bytes[bytes.size() - 2], 0xff);
  ASSERT_EQ(bytes[bytes.size() - 1], 0xd9);  // EOI
  bytes.resize(bytes.size() - 2);
  auto no_eoi = decode_jpeg(bytes, "no_eoi.jpg");
  ASSERT_FALSE(no_eoi.ok());
  EXPECT_EQ(no_eoi.status().message(), "no_eoi.jpg: truncated JPEG (premature end of data)");
}

TEST(JpegDecode, CorruptHeaderIsAnError) {
  const std::string path = shared_image(kColourPhoto);
  MCONV_REQUIRE_SHARED_FILE(path);
  std::vector<uint8_t> bytes = read_bytes(path);
  // Keep SOI, then garbage where the segments should be.
  for (size_t i = 4; i < 64; ++i) bytes[i] = static_cast<uint8_t>(0x5a ^ i);
  auto image = decode_jpeg(bytes, "bad.jpg");
  ASSERT_FALSE(image.ok());
  EXPECT_EQ(image.status().message().rfind("bad.jpg: corrupt or unsupported JPEG: ", 0), 0u)
      << image.status().message();
}

TEST(JpegDecode, HostileDimensionsAreRefusedBeforeDecoding) {
  const std::string path = shared_image(kColourPhoto);
  MCONV_REQUIRE_SHARED_FILE(path);
  std::vector<uint8_t> bytes = read_bytes(path);
  // Find the SOF0/SOF2 marker and claim 60000 x 60000.
  size_t sof = 0;
  for (size_t i = 2; i + 9 < bytes.size(); ++i) {
    if (bytes[i] == 0xff && (bytes[i + 1] == 0xc0 || bytes[i + 1] == 0xc2)) {
      sof = i;
      break;
    }
  }
  ASSERT_GT(sof, 0u);
  bytes[sof + 5] = 60000 >> 8;  // height
  bytes[sof + 6] = 60000 & 0xff;
  bytes[sof + 7] = 60000 >> 8;  // width
  bytes[sof + 8] = 60000 & 0xff;
  auto image = decode_jpeg(bytes, "huge.jpg");
  ASSERT_FALSE(image.ok());
  EXPECT_NE(image.status().message().find("huge.jpg"), std::string::npos);
  EXPECT_NE(image.status().message().find("60000x60000 refused"), std::string::npos)
      << image.status().message();
}

TEST(ImageDecode, UnknownAndEmptyFilesAreErrors) {
  const std::string dir = test::make_temp_dir("decode_unknown");
  write_bytes(dir + "/notes.png", std::vector<uint8_t>{'h', 'e', 'l', 'l', 'o'});
  write_bytes(dir + "/empty.jpg", {});
  auto text = load_image(dir + "/notes.png");
  ASSERT_FALSE(text.ok());
  EXPECT_EQ(text.status().message(),
            dir + "/notes.png: unsupported image format (not JPEG or PNG)");
  auto empty = load_image(dir + "/empty.jpg");
  ASSERT_FALSE(empty.ok());
  EXPECT_EQ(empty.status().message(), dir + "/empty.jpg: empty file");
  auto missing = load_image(dir + "/missing.jpg");
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("missing.jpg"), std::string::npos);
}

TEST(ImageDecode, RandomCorruptionFailsCleanlyOrDecodesFully) {
  // Byte flips anywhere in real files: each decode must either produce a full image of sane size
  // or a one-line error naming the file -- never a crash, exit() or partial buffer.
  const std::string jpeg_path = shared_image(kColourPhoto);
  MCONV_REQUIRE_SHARED_FILE(jpeg_path);
  test::PngSpec spec{.width = 40, .height = 30, .interlaced = true};
  for (int y = 0; y < 30; ++y) {
    std::vector<uint8_t> row;
    for (int x = 0; x < 120; ++x) row.push_back(uint8_t(x * 3 + y * 5));
    spec.rows.push_back(row);
  }
  const std::string png_path = test::make_temp_dir("fuzz") + "/seed.png";
  ASSERT_TRUE(test::write_png_file(png_path, spec));

  std::mt19937 rng(20240607);
  int failures = 0;
  for (const std::string& path : {jpeg_path, png_path}) {
    const std::vector<uint8_t> original = read_bytes(path);
    for (int round = 0; round < 150; ++round) {
      std::vector<uint8_t> bytes = original;
      const int flips = 1 + static_cast<int>(rng() % 8);
      for (int f = 0; f < flips; ++f) bytes[rng() % bytes.size()] ^= uint8_t(1 + rng() % 255);
      if (round % 5 == 0) bytes.resize(rng() % bytes.size());
      auto image = decode_image(bytes, "fuzz.bin");
      if (image.ok()) {
        ASSERT_TRUE(image_dimensions_ok(image->width, image->height));
        ASSERT_EQ(image->pixels.size(), size_t(image->width) * image->height * 3);
      } else {
        ++failures;
        const std::string message = image.status().message();
        ASSERT_EQ(message.rfind("fuzz.bin: ", 0), 0u) << message;
        ASSERT_EQ(message.find('\n'), std::string::npos) << message;
      }
    }
  }
  EXPECT_GT(failures, 30) << "corruptions should be detected in many rounds";
}

TEST(ImageDecode, DimensionCaps) {
  EXPECT_TRUE(image_dimensions_ok(1, 1));
  EXPECT_TRUE(image_dimensions_ok(kMaxImageSide, kMaxImagePixels / kMaxImageSide));
  EXPECT_FALSE(image_dimensions_ok(kMaxImageSide, kMaxImageSide));  // pixel cap
  EXPECT_FALSE(image_dimensions_ok(kMaxImageSide + 1, 1));
  EXPECT_FALSE(image_dimensions_ok(0, 10));
  EXPECT_FALSE(image_dimensions_ok(10, -1));
}

// ---- PNG ----

class PngDecode : public ::testing::Test {
 protected:
  void SetUp() override { dir_ = test::make_temp_dir("png"); }
  // Writes `spec` with libpng and decodes it with ours.
  Expected<RgbImage> round_trip(const test::PngSpec& spec, const std::string& name) {
    const std::string path = dir_ + "/" + name;
    if (!test::write_png_file(path, spec)) return Status::Error("libpng could not write " + path);
    return load_image(path);
  }
  std::string dir_;
};

TEST_F(PngDecode, Rgb8RoundTripsExactly) {
  test::PngSpec spec{.width = 5, .height = 3};
  for (int y = 0; y < 3; ++y) {
    std::vector<uint8_t> row;
    for (int x = 0; x < 5; ++x) row.insert(row.end(), {uint8_t(x * 50), uint8_t(y * 100), 7});
    spec.rows.push_back(row);
  }
  auto image = round_trip(spec, "rgb.png");
  ASSERT_TRUE(image.ok()) << image.status().message();
  ASSERT_EQ(image->width, 5);
  ASSERT_EQ(image->height, 3);
  for (int y = 0; y < 3; ++y) {
    EXPECT_EQ(std::vector<uint8_t>(image->row(y), image->row(y) + 15), spec.rows[y]);
  }
}

TEST_F(PngDecode, GreyAndGreyAlphaReplicateGrey) {
  test::PngSpec grey{.width = 4, .height = 2, .color_type = PNG_COLOR_TYPE_GRAY};
  grey.rows = {{0, 85, 170, 255}, {1, 2, 3, 4}};
  auto g = round_trip(grey, "grey.png");
  ASSERT_TRUE(g.ok()) << g.status().message();
  EXPECT_EQ(std::vector<uint8_t>(g->pixels.begin(), g->pixels.begin() + 6),
            (std::vector<uint8_t>{0, 0, 0, 85, 85, 85}));
  EXPECT_EQ(g->at(3, 1)[2], 4);

  test::PngSpec grey_alpha{.width = 2, .height = 1, .color_type = PNG_COLOR_TYPE_GRAY_ALPHA};
  grey_alpha.rows = {{100, 0, 200, 128}};
  auto ga = round_trip(grey_alpha, "grey_alpha.png");
  ASSERT_TRUE(ga.ok()) << ga.status().message();
  EXPECT_EQ(ga->pixels, (std::vector<uint8_t>{100, 100, 100, 200, 200, 200}));
}

TEST_F(PngDecode, AlphaIsDroppedNotComposited) {
  // PIL's RGBA -> RGB conversion simply discards alpha.
  test::PngSpec rgba{.width = 2, .height = 1, .color_type = PNG_COLOR_TYPE_RGB_ALPHA};
  rgba.rows = {{10, 20, 30, 0, 40, 50, 60, 255}};
  auto image = round_trip(rgba, "rgba.png");
  ASSERT_TRUE(image.ok()) << image.status().message();
  EXPECT_EQ(image->pixels, (std::vector<uint8_t>{10, 20, 30, 40, 50, 60}));
}

TEST_F(PngDecode, PaletteWithTransparencyExpandsToColours) {
  test::PngSpec pal{.width = 4, .height = 1, .bit_depth = 2, .color_type = PNG_COLOR_TYPE_PALETTE};
  pal.palette = {{255, 0, 0}, {0, 255, 0}, {0, 0, 255}, {9, 8, 7}};
  pal.palette_alpha = {0, 128};
  pal.rows = {{0b00011011}};  // indices 0, 1, 2, 3 packed 2 bits each
  auto image = round_trip(pal, "palette.png");
  ASSERT_TRUE(image.ok()) << image.status().message();
  EXPECT_EQ(image->pixels, (std::vector<uint8_t>{255, 0, 0, 0, 255, 0, 0, 0, 255, 9, 8, 7}));
}

TEST_F(PngDecode, SixteenBitKeepsHighByte) {
  test::PngSpec rgb16{.width = 1, .height = 1, .bit_depth = 16};
  rgb16.rows = {{0xab, 0xcd, 0x01, 0xff, 0xff, 0x00}};
  auto image = round_trip(rgb16, "rgb16.png");
  ASSERT_TRUE(image.ok()) << image.status().message();
  EXPECT_EQ(image->pixels, (std::vector<uint8_t>{0xab, 0x01, 0xff}));

  test::PngSpec grey16{.width = 2, .height = 1, .bit_depth = 16, .color_type = PNG_COLOR_TYPE_GRAY};
  grey16.rows = {{0x12, 0x34, 0xfe, 0xdc}};
  auto grey = round_trip(grey16, "grey16.png");
  ASSERT_TRUE(grey.ok()) << grey.status().message();
  EXPECT_EQ(grey->pixels, (std::vector<uint8_t>{0x12, 0x12, 0x12, 0xfe, 0xfe, 0xfe}));
}

TEST_F(PngDecode, OneBitGreyWidensToFullRange) {
  test::PngSpec bits{.width = 8, .height = 1, .bit_depth = 1, .color_type = PNG_COLOR_TYPE_GRAY};
  bits.rows = {{0b10100000}};
  auto image = round_trip(bits, "bits.png");
  ASSERT_TRUE(image.ok()) << image.status().message();
  EXPECT_EQ(image->at(0, 0)[0], 255);
  EXPECT_EQ(image->at(1, 0)[0], 0);
  EXPECT_EQ(image->at(2, 0)[1], 255);
  EXPECT_EQ(image->at(7, 0)[2], 0);
}

TEST_F(PngDecode, InterlacedMatchesNonInterlaced) {
  test::PngSpec spec{.width = 13, .height = 11};
  for (int y = 0; y < 11; ++y) {
    std::vector<uint8_t> row;
    for (int x = 0; x < 13; ++x) {
      row.insert(row.end(), {uint8_t(x * 19 + y), uint8_t(y * 23), uint8_t((x * y) & 0xff)});
    }
    spec.rows.push_back(row);
  }
  auto plain = round_trip(spec, "plain.png");
  spec.interlaced = true;
  auto adam7 = round_trip(spec, "adam7.png");
  ASSERT_TRUE(plain.ok()) << plain.status().message();
  ASSERT_TRUE(adam7.ok()) << adam7.status().message();
  EXPECT_EQ(plain->pixels, adam7->pixels);
  EXPECT_EQ(std::vector<uint8_t>(adam7->row(10), adam7->row(10) + 39), spec.rows[10]);
}

TEST_F(PngDecode, TruncatedAndCorruptFilesAreErrors) {
  test::PngSpec spec{.width = 64, .height = 64};
  for (int y = 0; y < 64; ++y) {
    std::vector<uint8_t> row;
    for (int x = 0; x < 64 * 3; ++x) row.push_back(uint8_t((x * 7 + y * 13) ^ (x * y)));
    spec.rows.push_back(row);
  }
  const std::string good = dir_ + "/good.png";
  ASSERT_TRUE(test::write_png_file(good, spec));
  const std::vector<uint8_t> bytes = read_bytes(good);

  std::vector<uint8_t> half(bytes.begin(), bytes.begin() + bytes.size() / 2);
  write_bytes(dir_ + "/half.png", half);
  auto truncated = load_image(dir_ + "/half.png");
  ASSERT_FALSE(truncated.ok());
  EXPECT_EQ(truncated.status().message(),
            dir_ + "/half.png: truncated PNG (premature end of data)");

  std::vector<uint8_t> bad_crc = bytes;
  bad_crc[19] ^= 0x01;  // width 64 -> 65 inside IHDR: its CRC no longer matches
  write_bytes(dir_ + "/crc.png", bad_crc);
  auto corrupt = load_image(dir_ + "/crc.png");
  ASSERT_FALSE(corrupt.ok());
  EXPECT_EQ(corrupt.status().message().rfind(dir_ + "/crc.png: corrupt or unsupported PNG: ", 0),
            0u)
      << corrupt.status().message();
  EXPECT_EQ(corrupt.status().message().find('\n'), std::string::npos);
}

TEST_F(PngDecode, HostileHeaderIsRefused) {
  // A valid-looking PNG whose IHDR claims 20000 x 20000 (CRC computed with zlib's crc32).
  auto be32 = [](std::vector<uint8_t>& out, uint32_t v) {
    for (int shift = 24; shift >= 0; shift -= 8) out.push_back(uint8_t(v >> shift));
  };
  std::vector<uint8_t> file = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
  std::vector<uint8_t> ihdr = {'I', 'H', 'D', 'R'};
  be32(ihdr, 20000);
  be32(ihdr, 20000);
  ihdr.insert(ihdr.end(), {8, 2, 0, 0, 0});
  be32(file, 13);
  file.insert(file.end(), ihdr.begin(), ihdr.end());
  be32(file, test::png_crc_for_test(ihdr));
  // No image data follows: a decoder that allocated first would not even notice.
  auto image = decode_png(file, "bomb.png");
  ASSERT_FALSE(image.ok());
  EXPECT_EQ(image.status().message().rfind("bomb.png: ", 0), 0u) << image.status().message();
  EXPECT_NE(image.status().message().find("20000x20000 refused"), std::string::npos)
      << "must fail on the header, not on missing data: " << image.status().message();
}

}  // namespace
}  // namespace mconv
