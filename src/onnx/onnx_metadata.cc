#include "onnx/onnx_metadata.h"

#include <cstdio>
#include <cstdlib>
#include <map>
#include <optional>
#include <string>

#include "onnx/onnx_pb.h"

namespace mconv::onnx {
namespace {

constexpr char kPixelFormat[] = "Image.BitmapPixelFormat";
constexpr char kGamma[] = "Image.ColorSpaceGamma";
constexpr char kPixelRange[] = "Image.NominalPixelRange";
constexpr char kPreset[] = "mconv.preprocess.preset";
constexpr char kMean[] = "mconv.preprocess.mean";
constexpr char kStd[] = "mconv.preprocess.std";
constexpr char kLayout[] = "mconv.preprocess.layout";
constexpr char kSize[] = "mconv.preprocess.size";
constexpr char kLabels[] = "mconv.labels";
constexpr char kName[] = "mconv.name";
constexpr char kDescription[] = "mconv.description";
constexpr char kVersion[] = "mconv.version";
constexpr char kAuthor[] = "mconv.author";
constexpr char kLicense[] = "mconv.license";
constexpr const char* kAllKeys[] = {kPixelFormat, kGamma,   kPixelRange, kPreset, kMean,
                                    kStd,         kLayout,  kSize,       kLabels, kName,
                                    kDescription, kVersion, kAuthor,     kLicense};

// ONNX's nominal ranges as normalizations of 0..255 pixels.
struct NominalRange {
  const char* name;
  float mean, std;
};
constexpr NominalRange kRanges[] = {
    {"NominalRange_0_255", 0.0f, 1.0f},
    {"Normalized_0_1", 0.0f, 255.0f},
    {"Normalized_1_1", 127.5f, 127.5f},
};

std::string join(const std::array<float, 3>& v) {
  std::string text;
  for (float x : v) {
    char item[32];
    std::snprintf(item, sizeof(item), "%.9g", static_cast<double>(x));
    text += (text.empty() ? "" : ",") + std::string(item);
  }
  return text;
}

std::optional<std::array<float, 3>> parse3(const std::string& text) {
  std::array<float, 3> v{};
  const char* p = text.c_str();
  for (int i = 0; i < 3; ++i) {
    char* end = nullptr;
    v[i] = std::strtof(p, &end);
    if (end == p) return std::nullopt;
    p = end;
    if (i < 2) {
      if (*p != ',') return std::nullopt;
      ++p;
    }
  }
  if (*p != '\0') return std::nullopt;
  return v;
}

const NominalRange* nominal_range(const ir::ImageNormalization& n) {
  for (const NominalRange& r : kRanges) {
    bool all = true;
    for (int c = 0; c < 3; ++c) all = all && n.mean[c] == r.mean && n.std[c] == r.std;
    if (all) return &r;
  }
  return nullptr;
}

}  // namespace

void write_metadata_props(const ir::ModelMetadata& m, ::onnx::ModelProto& model) {
  // Drop the keys this writes, keep everything else in order.
  auto* props = model.mutable_metadata_props();
  for (int i = props->size() - 1; i >= 0; --i)
    for (const char* key : kAllKeys)
      if (props->Get(i).key() == key) {
        props->DeleteSubrange(i, 1);
        break;
      }
  auto put = [&](const char* key, const std::string& value) {
    if (value.empty()) return;
    auto* p = model.add_metadata_props();
    p->set_key(key);
    p->set_value(value);
  };
  put(kName, m.name);
  put(kDescription, m.description);
  put(kVersion, m.version);
  put(kAuthor, m.author);
  put(kLicense, m.license);
  if (m.image) {
    const ir::ImageInputMetadata& image = *m.image;
    put(kPixelFormat, "Rgb8");
    put(kGamma, "SRGB");
    if (!image.normalization) {
      put(kPixelRange, "NominalRange_0_255");  // raw pixels
    } else if (const NominalRange* r = nominal_range(*image.normalization)) {
      put(kPixelRange, r->name);
    }
    put(kPreset, image.preset);
    if (image.normalization) {
      put(kMean, join(image.normalization->mean));
      put(kStd, join(image.normalization->std));
    }
    put(kLayout, image.channels_last ? "NHWC" : "NCHW");
    if (image.width > 0 && image.height > 0)
      put(kSize, std::to_string(image.width) + "x" + std::to_string(image.height));
  }
  std::string labels;
  for (const std::string& label : m.labels) labels += label + "\n";
  put(kLabels, labels);
}

ir::ModelMetadata read_metadata_props(const ::onnx::ModelProto& model) {
  std::map<std::string, std::string> props;
  for (const auto& p : model.metadata_props()) props[p.key()] = p.value();
  auto get = [&](const char* key) {
    auto it = props.find(key);
    return it == props.end() ? std::string() : it->second;
  };
  ir::ModelMetadata m;
  m.name = get(kName);
  m.description = get(kDescription);
  m.version = get(kVersion);
  m.author = get(kAuthor);
  m.license = get(kLicense);
  const std::string labels = get(kLabels);
  size_t start = 0;
  while (start < labels.size()) {
    size_t end = labels.find('\n', start);
    if (end == std::string::npos) end = labels.size();
    m.labels.push_back(labels.substr(start, end - start));
    start = end + 1;
  }

  const bool image = props.count(kPixelFormat) || props.count(kPixelRange) || props.count(kMean) ||
                     props.count(kPreset);
  if (!image) return m;
  ir::ImageInputMetadata in;
  in.preset = get(kPreset);
  in.channels_last = get(kLayout) != "NCHW";
  int w = 0, h = 0;
  if (std::sscanf(get(kSize).c_str(), "%dx%d", &w, &h) == 2 && w > 0 && h > 0 && w <= 65536 &&
      h <= 65536) {
    in.width = w;
    in.height = h;
  }
  const auto mean = parse3(get(kMean));
  const auto std = parse3(get(kStd));
  if (mean && std) {
    in.normalization = ir::ImageNormalization{*mean, *std};
  } else {
    const std::string range = get(kPixelRange);
    for (const NominalRange& r : kRanges)
      if (range == r.name && range != "NominalRange_0_255")
        in.normalization = ir::ImageNormalization{{r.mean, r.mean, r.mean}, {r.std, r.std, r.std}};
    if (range == "NominalRange_0_255" && in.preset != "u8")
      in.normalization = ir::ImageNormalization{};  // float 0..255 (mean 0, std 1)
  }
  m.image = in;
  return m;
}

}  // namespace mconv::onnx
