#include "core/tensor_spec.h"

namespace mconv {

std::string spec_type_string(const TensorSpec& spec) {
  std::string s(dtype_name(spec.dtype));
  if (!spec.has_shape) return s + "[?]";
  s += "[";
  for (size_t i = 0; i < spec.shape.size(); ++i) {
    if (i) s += ",";
    if (spec.shape[i] >= 0)
      s += std::to_string(spec.shape[i]);
    else if (i < spec.dim_names.size() && !spec.dim_names[i].empty())
      s += spec.dim_names[i];
    else
      s += "?";
  }
  return s + "]";
}

std::string image_layout(const std::vector<int64_t>& shape) {
  if (shape.size() != 4) return "";
  if (shape[1] == 3 && shape[3] != 3) return "NCHW";
  if (shape[3] == 3) return "NHWC";
  return "";
}

bool shape_fits(const TensorSpec& spec, const std::vector<int64_t>& shape) {
  if (!spec.has_shape) return true;
  if (shape.size() != spec.shape.size()) return false;
  for (size_t d = 0; d < shape.size(); ++d)
    if (spec.shape[d] >= 0 && spec.shape[d] != shape[d]) return false;
  return true;
}

}  // namespace mconv
