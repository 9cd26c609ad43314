#include "ir/derived_names.h"

namespace mconv::ir {

std::string derived_name(std::string_view base, Derivation d) {
  std::string name(base);
  name += derivation_suffix(d);
  return name;
}

bool is_derived(std::string_view name, Derivation d) {
  const std::string_view suffix = derivation_suffix(d);
  return name.size() > suffix.size() && name.ends_with(suffix);
}

std::string origin_name(std::string_view name) {
  for (bool stripped = true; stripped;) {
    stripped = false;
    for (std::size_t i = 0; i < kDerivationCount; ++i) {
      if (!is_derived(name, static_cast<Derivation>(i))) continue;
      name.remove_suffix(kDerivationSuffixes[i].size());
      stripped = true;
    }
  }
  return std::string(name);
}

}  // namespace mconv::ir
