// See preprocess.h. Value arithmetic is done in float32 in the same order as torchvision
// (divide, subtract, divide) so the torch preset matches ToTensor + Normalize bit for bit.
#include "data/preprocess.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstring>

#include "data/pil_resize.h"

namespace mconv {
namespace {

struct PresetEntry {
  PreprocessPreset preset;  // enum value
  std::string_view name;    // command-line spelling
};
constexpr PresetEntry kPresets[] = {
    {PreprocessPreset::kTorch, "torch"}, {PreprocessPreset::kKeras, "keras"},
    {PreprocessPreset::kUnit, "unit"},   {PreprocessPreset::kPm1, "pm1"},
    {PreprocessPreset::kU8, "u8"},
};

std::string lowercase(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace

std::string_view preset_name(PreprocessPreset preset) {
  for (const PresetEntry& e : kPresets) {
    if (e.preset == preset) return e.name;
  }
  return "?";
}

Expected<PreprocessPreset> preset_from_name(std::string_view name) {
  const std::string wanted = lowercase(name);
  for (const PresetEntry& e : kPresets) {
    if (e.name == wanted) return e.preset;
  }
  return Status::Error("unknown preprocessing preset '" + std::string(name) +
                       "' (expected torch, keras, unit, pm1 or u8)");
}

std::string_view layout_name(ImageLayout layout) {
  return layout == ImageLayout::kNCHW ? "NCHW" : "NHWC";
}

Expected<ImageLayout> image_layout_from_name(std::string_view name) {
  const std::string wanted = lowercase(name);
  if (wanted == "nchw") return ImageLayout::kNCHW;
  if (wanted == "nhwc") return ImageLayout::kNHWC;
  return Status::Error("unknown image layout '" + std::string(name) + "' (expected NCHW or NHWC)");
}

int resize_shorter_for_crop(int crop) {
  // crop * 256 / 224 = crop * 8 / 7 is never exactly halfway, so the rounding rule is moot.
  return static_cast<int>(std::lround(crop * 256.0 / 224.0));
}

Preprocess make_preprocess(PreprocessPreset preset, ImageLayout layout, int height, int width) {
  Preprocess p;
  p.crop_height = height;
  p.crop_width = width;
  p.resize_shorter = resize_shorter_for_crop(std::min(height, width));
  p.layout = layout;
  switch (preset) {
    case PreprocessPreset::kTorch:
      p.divisor = 255.0f;
      p.mean = {0.485f, 0.456f, 0.406f};
      p.std = {0.229f, 0.224f, 0.225f};
      break;
    case PreprocessPreset::kKeras:
      p.divisor = 1.0f;
      break;
    case PreprocessPreset::kUnit:
      p.divisor = 255.0f;
      break;
    case PreprocessPreset::kPm1:
      p.divisor = 127.5f;
      p.mean = {1.0f, 1.0f, 1.0f};
      break;
    case PreprocessPreset::kU8:
      p.dtype = DType::kU8;
      break;
  }
  return p;
}

Expected<ImageInputSpec> image_input_spec_from_shape(const std::vector<int64_t>& shape,
                                                     int default_size) {
  if (shape.size() != 4) {
    return Status::Error("image input must be rank 4 ([N,3,H,W] or [N,H,W,3]), got " +
                         shape_to_string(shape));
  }
  ImageInputSpec spec;
  int64_t h = 0, w = 0;
  if (shape[1] == 3) {
    spec.layout = ImageLayout::kNCHW;
    h = shape[2];
    w = shape[3];
  } else if (shape[3] == 3) {
    spec.layout = ImageLayout::kNHWC;
    h = shape[1];
    w = shape[2];
  } else {
    return Status::Error("image input " + shape_to_string(shape) +
                         " has no 3-channel axis at position 1 or 3");
  }
  auto pick = [&](int64_t dim) {
    return dim > 0 && dim <= kMaxImageSide ? static_cast<int>(dim) : default_size;
  };
  spec.height = pick(h);
  spec.width = pick(w);
  return spec;
}

ImageSize torchvision_resize_size(int width, int height, int shorter) {
  const bool width_is_short = width <= height;
  const int64_t short_side = width_is_short ? width : height;
  const int64_t long_side = width_is_short ? height : width;
  // Python: int(requested_new_short * long / short) -- a true (double) division, then truncation.
  const int new_long =
      static_cast<int>(static_cast<double>(shorter * long_side) / static_cast<double>(short_side));
  return width_is_short ? ImageSize{shorter, new_long} : ImageSize{new_long, shorter};
}

int torchvision_center_crop_offset(int size, int crop) {
  const int diff = size - crop;
  if (diff % 2 == 0) return diff / 2;
  // diff / 2.0 is k + 0.5: Python's round() goes to the even neighbour.
  const int k = diff / 2;
  return k % 2 == 0 ? k : k + 1;
}

RgbImage center_crop(const RgbImage& image, int crop_height, int crop_width) {
  // Zero padding of smaller images (torchvision >= 0.10): left/top get the floor half.
  const int pad_left = crop_width > image.width ? (crop_width - image.width) / 2 : 0;
  const int pad_top = crop_height > image.height ? (crop_height - image.height) / 2 : 0;
  const int padded_width = std::max(image.width, crop_width);
  const int padded_height = std::max(image.height, crop_height);
  const int left = torchvision_center_crop_offset(padded_width, crop_width);
  const int top = torchvision_center_crop_offset(padded_height, crop_height);

  RgbImage out(crop_width, crop_height);
  for (int y = 0; y < crop_height; ++y) {
    const int src_y = y + top - pad_top;
    if (src_y < 0 || src_y >= image.height) continue;
    for (int x = 0; x < crop_width; ++x) {
      const int src_x = x + left - pad_left;
      if (src_x < 0 || src_x >= image.width) continue;
      std::memcpy(out.at(x, y), image.at(src_x, src_y), 3);
    }
  }
  return out;
}

Expected<RgbImage> apply_preprocess_geometry(const RgbImage& image, const Preprocess& preprocess) {
  MCONV_RETURN_IF_ERROR(check_image_dimensions(image.width, image.height, "input image"));
  MCONV_RETURN_IF_ERROR(
      check_image_dimensions(preprocess.crop_width, preprocess.crop_height, "preprocessing crop"));
  if (preprocess.resize_shorter <= 0) {
    return center_crop(image, preprocess.crop_height, preprocess.crop_width);
  }
  if (preprocess.resize_shorter > kMaxImageSide) {
    return Status::Error("preprocessing resize to " + std::to_string(preprocess.resize_shorter) +
                         " is over the image side limit");
  }
  const ImageSize size =
      torchvision_resize_size(image.width, image.height, preprocess.resize_shorter);
  // Extreme aspect ratios would blow up here (a 1x16384 strip becomes 256 x 4M pixels).
  MCONV_RETURN_IF_ERROR(check_image_dimensions(size.width, size.height,
                                               "image " + std::to_string(image.width) + "x" +
                                                   std::to_string(image.height) +
                                                   " resized for preprocessing"));
  return center_crop(resize_pil_bilinear(image, size.width, size.height), preprocess.crop_height,
                     preprocess.crop_width);
}

std::vector<int64_t> preprocess_batch_shape(const Preprocess& preprocess, int64_t n) {
  if (preprocess.layout == ImageLayout::kNCHW) {
    return {n, 3, preprocess.crop_height, preprocess.crop_width};
  }
  return {n, preprocess.crop_height, preprocess.crop_width, 3};
}

Status write_preprocessed(const RgbImage& image, const Preprocess& preprocess, int64_t index,
                          Tensor* batch) {
  if (preprocess.dtype != DType::kF32 && preprocess.dtype != DType::kU8) {
    return Status::Error("preprocessing output must be f32 or u8");
  }
  const std::vector<int64_t> expected = preprocess_batch_shape(preprocess, batch->dim(0));
  if (batch->dtype() != preprocess.dtype || batch->shape() != expected || index < 0 ||
      index >= batch->dim(0)) {
    return Status::Error("preprocessing batch tensor " + batch->describe() + " does not fit item " +
                         std::to_string(index) + " of " + shape_to_string(expected));
  }
  MCONV_ASSIGN_OR_RETURN(const RgbImage pixels, apply_preprocess_geometry(image, preprocess));
  const int64_t h = pixels.height, w = pixels.width;
  const int64_t item_values = h * w * 3;
  const bool nchw = preprocess.layout == ImageLayout::kNCHW;
  // Destination index of pixel (x, y), channel c inside this item.
  auto destination = [&](int64_t x, int64_t y, int64_t c) {
    return nchw ? (c * h + y) * w + x : (y * w + x) * 3 + c;
  };

  if (preprocess.dtype == DType::kU8) {
    uint8_t* out = batch->data<uint8_t>() + index * item_values;
    for (int64_t y = 0; y < h; ++y) {
      for (int64_t x = 0; x < w; ++x) {
        const uint8_t* p = pixels.at(static_cast<int>(x), static_cast<int>(y));
        for (int c = 0; c < 3; ++c) out[destination(x, y, c)] = p[c];
      }
    }
    return Status::Ok();
  }
  // A table per channel: 256 possible inputs, computed with torchvision's float32 steps.
  float table[3][256];
  for (int c = 0; c < 3; ++c) {
    for (int v = 0; v < 256; ++v) {
      const float scaled = static_cast<float>(v) / preprocess.divisor;
      table[c][v] = (scaled - preprocess.mean[c]) / preprocess.std[c];
    }
  }
  float* out = batch->data<float>() + index * item_values;
  for (int64_t y = 0; y < h; ++y) {
    for (int64_t x = 0; x < w; ++x) {
      const uint8_t* p = pixels.at(static_cast<int>(x), static_cast<int>(y));
      for (int c = 0; c < 3; ++c) out[destination(x, y, c)] = table[c][p[c]];
    }
  }
  return Status::Ok();
}

Expected<Tensor> preprocess_image(const RgbImage& image, const Preprocess& preprocess) {
  if (preprocess.dtype != DType::kF32 && preprocess.dtype != DType::kU8) {
    return Status::Error("preprocessing output must be f32 or u8");
  }
  MCONV_RETURN_IF_ERROR(
      check_image_dimensions(preprocess.crop_width, preprocess.crop_height, "preprocessing crop"));
  Tensor batch(preprocess.dtype, preprocess_batch_shape(preprocess, 1));
  MCONV_RETURN_IF_ERROR(write_preprocessed(image, preprocess, 0, &batch));
  return batch;
}

Expected<Tensor> load_image_tensor(const std::string& path, const Preprocess& preprocess) {
  MCONV_ASSIGN_OR_RETURN(RgbImage image, load_image(path));
  auto tensor = preprocess_image(image, preprocess);
  if (!tensor.ok()) return tensor.status().with_context(path);
  return tensor;
}

Expected<Tensor> load_image_tensor(const std::string& path, PreprocessPreset preset,
                                   ImageLayout layout, int size) {
  return load_image_tensor(path, make_preprocess(preset, layout, size));
}

}  // namespace mconv
