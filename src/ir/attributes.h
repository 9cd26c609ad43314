// Typed node attributes, keyed by ONNX attribute name.
#pragma once

#include <map>
#include <string>
#include <variant>
#include <vector>

#include "core/tensor.h"

namespace mconv::ir {

using AttrValue = std::variant<int64_t, float, std::string, std::vector<int64_t>,
                               std::vector<float>, std::vector<std::string>, Tensor>;

class Attributes {
 public:
  bool has(const std::string& name) const { return map_.count(name) != 0; }
  void set(const std::string& name, AttrValue value) { map_[name] = std::move(value); }
  void erase(const std::string& name) { map_.erase(name); }

  // Typed reads with a default for absent attributes (ints also read as floats and vice versa).
  int64_t get_int(const std::string& name, int64_t fallback) const;
  float get_float(const std::string& name, float fallback) const;
  std::string get_string(const std::string& name, const std::string& fallback) const;
  std::vector<int64_t> get_ints(const std::string& name,
                                const std::vector<int64_t>& fallback = {}) const;
  std::vector<float> get_floats(const std::string& name,
                                const std::vector<float>& fallback = {}) const;
  const Tensor* get_tensor(const std::string& name) const;

  const std::map<std::string, AttrValue>& all() const { return map_; }

 private:
  std::map<std::string, AttrValue> map_;  // sorted so dumps and exports are deterministic
};

// "strides=[2,2]" style rendering for dumps.
std::string attr_to_string(const AttrValue& value);

}  // namespace mconv::ir
