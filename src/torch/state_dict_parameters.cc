#include "torch/state_dict_parameters.h"

#include <algorithm>

namespace mconv::torch {

namespace {

// "'a', 'b', 'c' and 4 more"
std::string name_list(const std::vector<std::string>& names) {
  std::string out;
  for (size_t i = 0; i < names.size() && i < 4; ++i)
    out += (i ? ", '" : "'") + printable_text(names[i]) + "'";
  if (names.size() > 4) out += " and " + std::to_string(names.size() - 4) + " more";
  return out;
}

}  // namespace

Tensor StateDictParameters::parameter(const std::string& name, const std::vector<int64_t>& shape,
                                      const zoo::ParameterInit&) {
  const CheckpointTensor* t = checkpoint_.find(name);
  if (!t) {
    missing_.push_back(name);
    return Tensor(DType::kF32, shape);
  }
  used_.insert(name);
  if (t->value.shape() != shape || t->value.dtype() != DType::kF32) {
    mismatched_.push_back("'" + name + "': " + t->value.describe() +
                          " in the file, the model needs " +
                          Tensor(DType::kF32, {}).describe().substr(0, 3) + shape_to_string(shape));
    return Tensor(DType::kF32, shape);
  }
  return t->value;
}

std::vector<int64_t> StateDictParameters::dims(const std::string& name, size_t rank) {
  const CheckpointTensor* t = checkpoint_.find(name);
  if (t && t->value.shape().size() == rank) {
    bool positive = true;
    for (int64_t d : t->value.shape()) positive = positive && d > 0;
    if (positive) return t->value.shape();
  }
  if (!t)
    missing_.push_back(name);
  else
    mismatched_.push_back("'" + name + "': " + t->value.describe() +
                          " in the file, the model needs rank " + std::to_string(rank));
  return std::vector<int64_t>(rank, 1);
}

Status StateDictParameters::finish(const std::string& arch) const {
  std::vector<std::string> unexpected;
  for (const CheckpointTensor& t : checkpoint_.tensors)
    if (!used_.count(t.name) && !t.name.ends_with(".num_batches_tracked"))
      unexpected.push_back(t.name);
  std::vector<std::string> missing;
  for (const std::string& m : missing_)
    if (std::find(missing.begin(), missing.end(), m) == missing.end()) missing.push_back(m);
  if (missing.empty() && unexpected.empty() && mismatched_.empty()) return Status::Ok();
  std::string msg = "the state dict does not fit " + arch + ":";
  if (!missing.empty()) msg += " missing keys " + name_list(missing) + ";";
  if (!unexpected.empty()) msg += " unexpected keys " + name_list(unexpected) + ";";
  if (!mismatched_.empty()) {
    msg += " size mismatch for " + mismatched_[0];
    if (mismatched_.size() > 1) msg += " (and " + std::to_string(mismatched_.size() - 1) + " more)";
    msg += ";";
  }
  msg.pop_back();
  return Status::Error(msg);
}

}  // namespace mconv::torch
