#include "core/import_limits.h"

#include <cstdlib>
#include <limits>

#include "core/tensor.h"

namespace mconv {
namespace {

// Reads a positive decimal integer from the environment into `out`, if the variable is set.
Status read_env_uint(const char* name, uint64_t max, uint64_t* out) {
  const char* text = std::getenv(name);
  if (!text) return Status::Ok();
  const std::string s(text);
  uint64_t value = 0;
  bool ok = !s.empty() && s.size() <= 19;
  for (char c : s) ok = ok && c >= '0' && c <= '9';
  if (ok) {
    for (char c : s) value = value * 10 + static_cast<uint64_t>(c - '0');
    ok = value > 0 && value <= max;
  }
  if (!ok)
    return Status::Error(std::string("environment variable ") + name + "='" + s.substr(0, 40) +
                         "' is not an integer in 1.." + std::to_string(max));
  *out = value;
  return Status::Ok();
}

template <typename T>
Status read_env(const char* name, T* out) {
  uint64_t value = static_cast<uint64_t>(*out);
  MCONV_RETURN_IF_ERROR(
      read_env_uint(name, static_cast<uint64_t>(std::numeric_limits<T>::max()), &value));
  *out = static_cast<T>(value);
  return Status::Ok();
}

}  // namespace

Expected<ImportLimits> import_limits_from_env() {
  ImportLimits limits;
  MCONV_RETURN_IF_ERROR(read_env("MCONV_MAX_FILE_BYTES", &limits.max_file_bytes));
  MCONV_RETURN_IF_ERROR(read_env("MCONV_MAX_TENSOR_ELEMENTS", &limits.max_tensor_elements));
  MCONV_RETURN_IF_ERROR(read_env("MCONV_MAX_TENSOR_BYTES", &limits.max_tensor_bytes));
  MCONV_RETURN_IF_ERROR(
      read_env("MCONV_MAX_TOTAL_CONSTANT_BYTES", &limits.max_total_constant_bytes));
  MCONV_RETURN_IF_ERROR(read_env("MCONV_MAX_NODES", &limits.max_nodes));
  MCONV_RETURN_IF_ERROR(read_env("MCONV_MAX_RANK", &limits.max_rank));
  MCONV_RETURN_IF_ERROR(read_env("MCONV_MAX_GRAPH_DEPTH", &limits.max_graph_depth));
  if (const char* allow = std::getenv("MCONV_ALLOW_NON_FINITE_WEIGHTS")) {
    const std::string s(allow);
    if (s != "0" && s != "1")
      return Status::Error("environment variable MCONV_ALLOW_NON_FINITE_WEIGHTS='" +
                           s.substr(0, 40) + "' is not 0 or 1");
    limits.allow_non_finite_weights = s == "1";
  }
  return limits;
}

Expected<int64_t> check_tensor_shape(const ImportLimits& limits, const std::string& what,
                                     const int64_t* dims, size_t rank) {
  if (rank > static_cast<size_t>(limits.max_rank))
    return Status::Error(what + " has rank " + std::to_string(rank) + ", over the limit of " +
                         std::to_string(limits.max_rank) + " (MCONV_MAX_RANK)");
  int64_t count = 1;
  bool overflow = false;
  for (size_t i = 0; i < rank; ++i) {
    if (dims[i] < 0)
      return Status::Error(what + " has a negative dimension " + std::to_string(dims[i]));
    if (dims[i] != 0 && count > std::numeric_limits<int64_t>::max() / dims[i]) overflow = true;
    if (!overflow) count *= dims[i];
  }
  // A zero dim makes the count 0 even if other dims are absurd; those are still refused.
  for (size_t i = 0; i < rank && !overflow; ++i)
    if (dims[i] > limits.max_tensor_elements) overflow = true;
  if (overflow || count > limits.max_tensor_elements) {
    std::string shape = "[";
    for (size_t i = 0; i < rank; ++i) shape += (i ? "," : "") + std::to_string(dims[i]);
    return Status::Error(what + " has shape " + shape + "], over the limit of " +
                         std::to_string(limits.max_tensor_elements) +
                         " elements (MCONV_MAX_TENSOR_ELEMENTS)");
  }
  return count;
}

Status check_tensor_bytes(const ImportLimits& limits, const std::string& what, int64_t elements,
                          size_t element_size) {
  if (elements < 0 || (element_size != 0 &&
                       static_cast<uint64_t>(elements) > limits.max_tensor_bytes / element_size))
    return Status::Error(what + " needs more than " + std::to_string(limits.max_tensor_bytes) +
                         " bytes, over the limit (MCONV_MAX_TENSOR_BYTES)");
  return Status::Ok();
}

}  // namespace mconv
