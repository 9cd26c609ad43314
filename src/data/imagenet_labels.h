// The ImageNet-1k class names built into mconv (for `--labels imagenet`): class k of the 1000-class
// models is entry k; Google's 1001-output models put "background" first (imagenet_labels(1001)).
#pragma once

#include <array>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace mconv {

inline constexpr size_t kImageNetClasses = 1000;

// "tench, Tinca tinca", "goldfish, Carassius auratus", ... (generated table, imagenet_labels.cc).
const std::array<std::string_view, kImageNetClasses>& imagenet_class_names();

// The names for a model with `classes` outputs: 1000, or 1001 with "background" first. Any other
// count is an error naming it.
Expected<std::vector<std::string>> imagenet_labels(int64_t classes);

}  // namespace mconv
