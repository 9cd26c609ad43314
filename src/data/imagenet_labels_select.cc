#include "data/imagenet_labels.h"

namespace mconv {

Expected<std::vector<std::string>> imagenet_labels(int64_t classes) {
  if (classes != 1000 && classes != 1001)
    return Status::Error(
        "the ImageNet labels fit 1000 or 1001 (background first) classes, the "
        "model has " +
        std::to_string(classes));
  std::vector<std::string> labels;
  labels.reserve(static_cast<size_t>(classes));
  if (classes == 1001) labels.emplace_back("background");
  for (std::string_view name : imagenet_class_names()) labels.emplace_back(name);
  return labels;
}

}  // namespace mconv
