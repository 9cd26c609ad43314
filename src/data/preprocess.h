// Image -> model input tensor, following the ecosystems' evaluation conventions exactly.
//
// Geometry (all presets): torchvision's Resize(shorter) with PIL bilinear (see pil_resize.h), then
// CenterCrop(height, width) with torchvision's rounding of the offsets. Values:
//   torch  (x / 255 - mean) / std, ImageNet mean/std   (ToTensor + Normalize, float32 math)
//   keras  x as float 0..255                            (Keras models rescale inside)
//   unit   x / 255 in [0, 1]
//   pm1    x / 127.5 - 1 in [-1, 1]                     (TF "inception" preprocessing)
//   u8     raw uint8 pixels                             (uint8-input quantized models)
// Layout NCHW gives [N,3,H,W], NHWC gives [N,H,W,3]; channels are R, G, B.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/dtype.h"
#include "core/status.h"
#include "core/tensor.h"
#include "data/images.h"

namespace mconv {

enum class ImageLayout : uint8_t {
  kNCHW,  // [N,3,H,W] (PyTorch / ONNX models)
  kNHWC,  // [N,H,W,3] (TFLite / Keras models)
};

enum class PreprocessPreset : uint8_t { kTorch, kKeras, kUnit, kPm1, kU8 };

// The whole recipe from decoded RGB to tensor values.
struct Preprocess {
  int resize_shorter = 256;                 // shorter side after the PIL-bilinear resize (0: none)
  int crop_height = 224;                    // centre-crop height (also the tensor's H)
  int crop_width = 224;                     // centre-crop width (also the tensor's W)
  DType dtype = DType::kF32;                // kF32 (normalised values) or kU8 (raw pixels)
  float divisor = 255.0f;                   // f32 value = (pixel / divisor - mean[c]) / std[c]
  std::array<float, 3> mean = {0, 0, 0};    // per-channel (R, G, B) offset, after the division
  std::array<float, 3> std = {1, 1, 1};     // per-channel divisor, applied last
  ImageLayout layout = ImageLayout::kNCHW;  // tensor layout
};

// "torch", "keras", "unit", "pm1", "u8".
std::string_view preset_name(PreprocessPreset preset);
Expected<PreprocessPreset> preset_from_name(std::string_view name);
// "nchw"/"NCHW" and "nhwc"/"NHWC".
std::string_view layout_name(ImageLayout layout);
Expected<ImageLayout> image_layout_from_name(std::string_view name);

// The ImageNet convention scaled to other input sizes: round(crop * 256 / 224) (224 -> 256).
int resize_shorter_for_crop(int crop);
// A preset for a height x width model input; the resize targets the smaller of the two.
Preprocess make_preprocess(PreprocessPreset preset, ImageLayout layout, int height, int width);
inline Preprocess make_preprocess(PreprocessPreset preset, ImageLayout layout, int size = 224) {
  return make_preprocess(preset, layout, size, size);
}

// Model input layout and spatial size read from its input shape ([N,3,H,W] or [N,H,W,3]); unknown
// (negative or zero) H/W fall back to `default_size`.
struct ImageInputSpec {
  ImageLayout layout = ImageLayout::kNCHW;  // where the 3 channels are
  int height = 224;                         // H of the input
  int width = 224;                          // W of the input
};
Expected<ImageInputSpec> image_input_spec_from_shape(const std::vector<int64_t>& shape,
                                                     int default_size = 224);

// torchvision's Resize(shorter) output size: the shorter side becomes `shorter`, the longer one
// int(shorter * long / short) (truncated).
struct ImageSize {
  int width = 0;   // pixels per row
  int height = 0;  // rows
};
ImageSize torchvision_resize_size(int width, int height, int shorter);

// torchvision's CenterCrop offsets: int(round((size - crop) / 2.0)) with Python's round half to
// even. Only for size >= crop (smaller images are zero-padded first, see center_crop).
int torchvision_center_crop_offset(int size, int crop);

// torchvision's CenterCrop: zero-pads (left/top get the floor half) when the image is smaller than
// the crop, then cuts the centred window.
RgbImage center_crop(const RgbImage& image, int crop_height, int crop_width);

// Resize + crop of the preset (the pixels the values are computed from). Fails when a size is
// over the image caps (e.g. an extreme aspect ratio that the resize would blow up).
Expected<RgbImage> apply_preprocess_geometry(const RgbImage& image, const Preprocess& preprocess);

// Shape of a batch of `n` images: [n,3,H,W] or [n,H,W,3].
std::vector<int64_t> preprocess_batch_shape(const Preprocess& preprocess, int64_t n);

// Runs the preset on `image` and writes the values of batch item `index` into `batch`, which must
// have preprocess_batch_shape(preprocess, N) and the preset's dtype.
Status write_preprocessed(const RgbImage& image, const Preprocess& preprocess, int64_t index,
                          Tensor* batch);

// One image -> [1,...] tensor.
Expected<Tensor> preprocess_image(const RgbImage& image, const Preprocess& preprocess);
Expected<Tensor> load_image_tensor(const std::string& path, const Preprocess& preprocess);
Expected<Tensor> load_image_tensor(const std::string& path, PreprocessPreset preset,
                                   ImageLayout layout, int size = 224);

}  // namespace mconv
