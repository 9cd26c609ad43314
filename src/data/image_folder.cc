// Folder listing and range selection for image datasets (see dataset.h).
#include <algorithm>
#include <cctype>
#include <filesystem>
#include <system_error>

#include "data/dataset.h"

namespace mconv {
namespace {

bool has_image_extension(const std::filesystem::path& file) {
  std::string ext = file.extension().string();
  for (char& c : ext) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return ext == ".jpg" || ext == ".jpeg" || ext == ".png";
}

}  // namespace

Expected<std::vector<LabeledImage>> list_image_folder(const std::string& dir) {
  namespace fs = std::filesystem;
  std::error_code error;
  if (!fs::is_directory(dir, error)) return Status::Error(dir + ": not a directory");

  std::vector<std::string> names;
  fs::directory_iterator it(dir, error);
  if (error) return Status::Error(dir + ": cannot list: " + error.message());
  for (; it != fs::directory_iterator(); it.increment(error)) {
    if (error) return Status::Error(dir + ": cannot list: " + error.message());
    std::error_code type_error;
    if (!it->is_regular_file(type_error) || !has_image_extension(it->path())) continue;
    names.push_back(it->path().filename().string());
  }
  if (error) return Status::Error(dir + ": cannot list: " + error.message());
  std::sort(names.begin(), names.end());  // byte order, as Python's sorted() on str

  std::map<std::string, int> labels;
  const fs::path labels_path = fs::path(dir) / "labels.csv";
  if (fs::exists(labels_path, error)) {
    MCONV_ASSIGN_OR_RETURN(labels, read_labels_csv(labels_path.string()));
  }

  std::vector<LabeledImage> images;
  images.reserve(names.size());
  for (const std::string& name : names) {
    auto found = labels.find(name);
    images.push_back({(fs::path(dir) / name).string(), found == labels.end() ? -1 : found->second});
  }
  return images;
}

Expected<std::vector<LabeledImage>> select_images(const std::vector<LabeledImage>& images,
                                                  size_t offset, std::optional<size_t> count) {
  if (offset > images.size()) {
    return Status::Error("image offset " + std::to_string(offset) + " is past the " +
                         std::to_string(images.size()) + " images available");
  }
  const size_t available = images.size() - offset;
  const size_t take = count.value_or(available);
  if (take > available) {
    return Status::Error("asked for " + std::to_string(take) + " images from offset " +
                         std::to_string(offset) + ", only " + std::to_string(available) +
                         " available");
  }
  return std::vector<LabeledImage>(images.begin() + static_cast<std::ptrdiff_t>(offset),
                                   images.begin() + static_cast<std::ptrdiff_t>(offset + take));
}

std::vector<int> image_labels(const std::vector<LabeledImage>& images) {
  std::vector<int> labels;
  labels.reserve(images.size());
  for (const LabeledImage& image : images) labels.push_back(image.label);
  return labels;
}

}  // namespace mconv
