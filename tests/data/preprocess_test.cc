// Preprocessing presets: torchvision geometry (resize sizes, crop rounding), value formulas,
// ranges and layouts, on synthetic images and on real shared photos.
#include "data/preprocess.h"

#include <algorithm>

#include "data/pil_resize.h"
#include "support/test_support.h"

namespace mconv {
namespace {

RgbImage gradient_image(int w, int h) {
  RgbImage image(w, h);
  for (int y = 0; y < h; ++y) {
    for (int x = 0; x < w; ++x) {
      uint8_t* p = image.at(x, y);
      p[0] = static_cast<uint8_t>((x * 255) / std::max(1, w - 1));
      p[1] = static_cast<uint8_t>((y * 255) / std::max(1, h - 1));
      p[2] = static_cast<uint8_t>((x * 7 + y * 3) & 0xff);
    }
  }
  return image;
}

TEST(TorchvisionGeometry, ResizeShorterSideTruncatesTheLongSide) {
  // int(256 * long / short)
  auto landscape = torchvision_resize_size(500, 375, 256);  // 341.33
  EXPECT_EQ(landscape.width, 341);
  EXPECT_EQ(landscape.height, 256);
  auto portrait = torchvision_resize_size(333, 500, 256);  // 384.38
  EXPECT_EQ(portrait.width, 256);
  EXPECT_EQ(portrait.height, 384);
  auto nearly = torchvision_resize_size(500, 334, 256);  // 383.23
  EXPECT_EQ(nearly.width, 383);
  auto square = torchvision_resize_size(300, 300, 256);
  EXPECT_EQ(square.width, 256);
  EXPECT_EQ(square.height, 256);
  auto exact = torchvision_resize_size(700, 350, 256);  // 512 exactly
  EXPECT_EQ(exact.width, 512);
}

TEST(TorchvisionGeometry, CenterCropOffsetRoundsHalfToEven) {
  EXPECT_EQ(torchvision_center_crop_offset(256, 224), 16);
  EXPECT_EQ(torchvision_center_crop_offset(341, 224), 58);  // round(58.5) = 58
  EXPECT_EQ(torchvision_center_crop_offset(343, 224), 60);  // round(59.5) = 60
  EXPECT_EQ(torchvision_center_crop_offset(384, 224), 80);
  EXPECT_EQ(torchvision_center_crop_offset(225, 224), 0);  // round(0.5) = 0
  EXPECT_EQ(torchvision_center_crop_offset(227, 224), 2);  // round(1.5) = 2
  EXPECT_EQ(torchvision_center_crop_offset(224, 224), 0);
}

TEST(TorchvisionGeometry, CenterCropCutsTheRoundedWindow) {
  RgbImage image = gradient_image(9, 6);
  RgbImage crop = center_crop(image, 3, 4);  // left round(2.5) = 2, top round(1.5) = 2
  ASSERT_EQ(crop.width, 4);
  ASSERT_EQ(crop.height, 3);
  for (int y = 0; y < 3; ++y) {
    for (int x = 0; x < 4; ++x) {
      ASSERT_EQ(std::vector<uint8_t>(crop.at(x, y), crop.at(x, y) + 3),
                std::vector<uint8_t>(image.at(x + 2, y + 2), image.at(x + 2, y + 2) + 3));
    }
  }
}

TEST(TorchvisionGeometry, CenterCropPadsSmallImagesWithZeros) {
  RgbImage image = gradient_image(2, 3);
  for (uint8_t& v : image.pixels) v = std::max<uint8_t>(v, 1);  // no zeros inside the image
  RgbImage crop = center_crop(image, 6, 5);  // pad left 1 right 2, top 1 bottom 2
  ASSERT_EQ(crop.width, 5);
  ASSERT_EQ(crop.height, 6);
  for (int y = 0; y < 6; ++y) {
    for (int x = 0; x < 5; ++x) {
      const bool inside = x >= 1 && x < 3 && y >= 1 && y < 4;
      if (inside) {
        EXPECT_EQ(crop.at(x, y)[0], image.at(x - 1, y - 1)[0]) << x << "," << y;
      } else {
        EXPECT_EQ(crop.at(x, y)[0], 0) << x << "," << y;
      }
    }
  }
}

TEST(Presets, NamesSizesAndInputSpecs) {
  for (auto preset : {PreprocessPreset::kTorch, PreprocessPreset::kKeras, PreprocessPreset::kUnit,
                      PreprocessPreset::kPm1, PreprocessPreset::kU8}) {
    auto parsed = preset_from_name(preset_name(preset));
    ASSERT_TRUE(parsed.ok());
    EXPECT_EQ(*parsed, preset);
  }
  EXPECT_FALSE(preset_from_name("caffe").ok());
  EXPECT_EQ(*image_layout_from_name("nhwc"), ImageLayout::kNHWC);
  EXPECT_FALSE(image_layout_from_name("CHW").ok());

  EXPECT_EQ(resize_shorter_for_crop(224), 256);
  EXPECT_EQ(resize_shorter_for_crop(192), 219);  // 219.43
  EXPECT_EQ(resize_shorter_for_crop(299), 342);  // 341.71
  Preprocess p = make_preprocess(PreprocessPreset::kTorch, ImageLayout::kNHWC, 160, 192);
  EXPECT_EQ(p.resize_shorter, 183);  // round(160 * 8 / 7) = round(182.86)
  EXPECT_EQ(preprocess_batch_shape(p, 4), (std::vector<int64_t>{4, 160, 192, 3}));

  auto nchw = image_input_spec_from_shape({1, 3, 224, 224});
  ASSERT_TRUE(nchw.ok());
  EXPECT_EQ(nchw->layout, ImageLayout::kNCHW);
  auto nhwc = image_input_spec_from_shape({-1, 192, 160, 3});
  ASSERT_TRUE(nhwc.ok());
  EXPECT_EQ(nhwc->layout, ImageLayout::kNHWC);
  EXPECT_EQ(nhwc->height, 192);
  EXPECT_EQ(nhwc->width, 160);
  auto dynamic = image_input_spec_from_shape({1, 3, -1, -1});
  ASSERT_TRUE(dynamic.ok());
  EXPECT_EQ(dynamic->height, 224);
  EXPECT_FALSE(image_input_spec_from_shape({1, 4, 224, 224}).ok());
  EXPECT_FALSE(image_input_spec_from_shape({3, 224, 224}).ok());
}

// Pixels the preset computes its values from, for the checks below.
RgbImage geometry_of(const RgbImage& image, const Preprocess& p) {
  auto pixels = apply_preprocess_geometry(image, p);
  EXPECT_TRUE(pixels.ok()) << pixels.status().message();
  return pixels.ok() ? *pixels : RgbImage();
}

TEST(Presets, TorchValuesFollowToTensorAndNormalize) {
  RgbImage image = gradient_image(300, 260);
  Preprocess p = make_preprocess(PreprocessPreset::kTorch, ImageLayout::kNCHW);
  auto tensor = preprocess_image(image, p);
  ASSERT_TRUE(tensor.ok()) << tensor.status().message();
  ASSERT_EQ(tensor->dtype(), DType::kF32);
  ASSERT_EQ(tensor->shape(), (std::vector<int64_t>{1, 3, 224, 224}));
  // Geometry: 300x260 -> resize to 295x256 (int(256*300/260) = 295), crop at (36, 16).
  RgbImage resized = resize_pil_bilinear(image, 295, 256);
  const float mean[3] = {0.485f, 0.456f, 0.406f};
  const float std_dev[3] = {0.229f, 0.224f, 0.225f};
  const float* v = tensor->data<float>();
  for (int c = 0; c < 3; ++c) {
    for (int y : {0, 17, 223}) {
      for (int x : {0, 100, 223}) {
        const uint8_t pixel = resized.at(x + 36, y + 16)[c];
        const float expected = (static_cast<float>(pixel) / 255.0f - mean[c]) / std_dev[c];
        EXPECT_EQ(v[(c * 224 + y) * 224 + x], expected) << c << " " << x << " " << y;
      }
    }
  }
}

TEST(Presets, ValueRangesPerPreset) {
  RgbImage image = gradient_image(320, 240);  // has 0 and 255 in the red channel
  struct Expect {
    PreprocessPreset preset;
    float lo, hi;          // value of pixel 0 and 255 in the red channel
    float floor, ceiling;  // bounds of every value in any channel
  };
  const Expect expectations[] = {
      {PreprocessPreset::kTorch, (0.0f - 0.485f) / 0.229f, (1.0f - 0.485f) / 0.229f, -2.12f, 2.65f},
      {PreprocessPreset::kKeras, 0.0f, 255.0f, 0.0f, 255.0f},
      {PreprocessPreset::kUnit, 0.0f, 1.0f, 0.0f, 1.0f},
      {PreprocessPreset::kPm1, -1.0f, 1.0f, -1.0f, 1.0f},
  };
  for (const Expect& e : expectations) {
    Preprocess p = make_preprocess(e.preset, ImageLayout::kNHWC, 32);
    p.resize_shorter = 0;  // crop only, so the extreme pixels survive
    p.crop_height = 240;
    p.crop_width = 320;
    auto tensor = preprocess_image(image, p);
    ASSERT_TRUE(tensor.ok()) << tensor.status().message();
    std::vector<float> values = tensor->to_f32();
    float red_min = 1e9f, red_max = -1e9f;
    for (size_t i = 0; i < values.size(); i += 3) {
      red_min = std::min(red_min, values[i]);
      red_max = std::max(red_max, values[i]);
    }
    EXPECT_EQ(red_min, e.lo) << preset_name(e.preset);
    EXPECT_EQ(red_max, e.hi) << preset_name(e.preset);
    for (float v : values) {
      ASSERT_GE(v, e.floor) << preset_name(e.preset);
      ASSERT_LE(v, e.ceiling) << preset_name(e.preset);
    }
  }
  Preprocess raw = make_preprocess(PreprocessPreset::kU8, ImageLayout::kNHWC);
  auto u8 = preprocess_image(image, raw);
  ASSERT_TRUE(u8.ok());
  EXPECT_EQ(u8->dtype(), DType::kU8);
  RgbImage pixels = geometry_of(image, raw);
  EXPECT_EQ(u8->bytes(), pixels.pixels);  // NHWC u8 is exactly the cropped RGB buffer
}

TEST(Presets, NchwIsTheTransposeOfNhwc) {
  RgbImage image = gradient_image(211, 173);
  for (auto preset : {PreprocessPreset::kTorch, PreprocessPreset::kPm1, PreprocessPreset::kU8}) {
    auto nchw = preprocess_image(image, make_preprocess(preset, ImageLayout::kNCHW, 96));
    auto nhwc = preprocess_image(image, make_preprocess(preset, ImageLayout::kNHWC, 96));
    ASSERT_TRUE(nchw.ok() && nhwc.ok());
    ASSERT_EQ(nchw->shape(), (std::vector<int64_t>{1, 3, 96, 96}));
    ASSERT_EQ(nhwc->shape(), (std::vector<int64_t>{1, 96, 96, 3}));
    std::vector<float> a = nchw->to_f32(), b = nhwc->to_f32();
    for (int c = 0; c < 3; ++c) {
      for (int y = 0; y < 96; ++y) {
        for (int x = 0; x < 96; ++x) {
          ASSERT_EQ(a[(c * 96 + y) * 96 + x], b[(y * 96 + x) * 3 + c]);
        }
      }
    }
  }
}

TEST(Presets, ExtremeAspectRatioIsRefusedNotAllocated) {
  RgbImage strip(1, 4000);
  auto tensor =
      preprocess_image(strip, make_preprocess(PreprocessPreset::kUnit, ImageLayout::kNCHW));
  ASSERT_FALSE(tensor.ok());  // 256 x 1024000 after the resize
  EXPECT_NE(tensor.status().message().find("refused"), std::string::npos)
      << tensor.status().message();
}

TEST(Presets, LoadImageTensorOnSharedPhotos) {
  // Landscape colour, portrait greyscale.
  for (const char* name : {"n01440764_tench.JPEG", "n03908714_pencil_sharpener.JPEG"}) {
    const std::string path = test::shared_images_dir() + "/" + name;
    MCONV_REQUIRE_SHARED_FILE(path);
    auto decoded = load_image(path);
    ASSERT_TRUE(decoded.ok()) << decoded.status().message();
    auto tensor = load_image_tensor(path, PreprocessPreset::kKeras, ImageLayout::kNHWC);
    ASSERT_TRUE(tensor.ok()) << tensor.status().message();
    ASSERT_EQ(tensor->shape(), (std::vector<int64_t>{1, 224, 224, 3}));
    // Keras preset = raw pixel values of the resized, centre-cropped photo.
    const ImageSize size = torchvision_resize_size(decoded->width, decoded->height, 256);
    RgbImage cropped =
        center_crop(resize_pil_bilinear(*decoded, size.width, size.height), 224, 224);
    const float* v = tensor->data<float>();
    for (size_t i = 0; i < cropped.pixels.size(); ++i) {
      ASSERT_EQ(v[i], static_cast<float>(cropped.pixels[i])) << name << " value " << i;
    }
  }
  auto missing =
      load_image_tensor("/nonexistent/x.jpg", PreprocessPreset::kTorch, ImageLayout::kNCHW);
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("/nonexistent/x.jpg"), std::string::npos);
}

}  // namespace
}  // namespace mconv
