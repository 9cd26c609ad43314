#include "pipeline/metadata_summary.h"

#include <cstdio>

namespace mconv::pipeline {
namespace {

std::string numbers(const std::array<float, 3>& v) {
  std::string text = "[";
  for (size_t i = 0; i < v.size(); ++i) {
    char item[32];
    std::snprintf(item, sizeof(item), "%g", static_cast<double>(v[i]));
    text += (i ? ", " : "") + std::string(item);
  }
  return text + "]";
}

}  // namespace

std::string metadata_text(const ir::ModelMetadata& m, const std::string& error) {
  if (!error.empty()) return "metadata:   unreadable: " + error + "\n";
  if (m.empty()) return "metadata:   none\n";
  std::string out = "metadata:\n";
  auto line = [&](const std::string& label, const std::string& text) {
    if (text.empty()) return;
    std::string l = "  " + label + ":";
    l.resize(std::max<size_t>(l.size() + 1, 17), ' ');
    out += l + text + "\n";
  };
  line("name", m.name);
  line("description", m.description);
  line("version", m.version);
  line("author", m.author);
  line("license", m.license);
  line("parser version", m.min_parser_version);
  if (m.image) {
    const ir::ImageInputMetadata& image = *m.image;
    std::string text = "RGB";
    if (image.width > 0 && image.height > 0)
      text += " " + std::to_string(image.width) + "x" + std::to_string(image.height);
    text += image.channels_last ? " NHWC" : " NCHW";
    if (image.normalization)
      text += ", input = (pixel - " + numbers(image.normalization->mean) + ") / " +
              numbers(image.normalization->std);
    else
      text += ", raw pixels";
    if (!image.preset.empty()) text += " (preset " + image.preset + ")";
    line("image input", text);
  }
  if (!m.labels.empty()) {
    std::string text = std::to_string(m.labels.size()) + " (" + m.labels.front();
    if (m.labels.size() > 1) text += " ... " + m.labels.back();
    line("labels", text + ")");
  }
  return out;
}

void metadata_json(JsonWriter& j, const ir::ModelMetadata& m, const std::string& error) {
  if (error.empty() && m.empty()) {
    j.null();
    return;
  }
  j.begin_object();
  if (!error.empty()) j.field("error", error);
  j.field("name", m.name);
  j.field("description", m.description);
  j.field("version", m.version);
  j.field("author", m.author);
  j.field("license", m.license);
  if (!m.min_parser_version.empty()) j.field("min_parser_version", m.min_parser_version);
  j.key("image");
  if (!m.image) {
    j.null();
  } else {
    j.begin_object();
    j.field("width", static_cast<int64_t>(m.image->width));
    j.field("height", static_cast<int64_t>(m.image->height));
    j.field("layout", std::string(m.image->channels_last ? "NHWC" : "NCHW"));
    j.field("preset", m.image->preset);
    j.key("normalization");
    if (!m.image->normalization) {
      j.null();
    } else {
      j.begin_object();
      for (const char* key : {"mean", "std"}) {
        const auto& v =
            std::string(key) == "mean" ? m.image->normalization->mean : m.image->normalization->std;
        j.key(key);
        j.begin_array();
        for (float x : v) j.value(static_cast<double>(x));
        j.end_array();
      }
      j.end_object();
    }
    j.end_object();
  }
  j.field("labels", m.labels);
  j.end_object();
}

}  // namespace mconv::pipeline
