// A checkpoint's state dict as the NetBuilder's parameter source: every parameter the builder asks
// for is looked up by its torch key and checked against the shape the architecture needs. Like
// torch's load_state_dict(strict=True), what does not fit is collected and reported at the end:
// missing keys, unexpected keys, size mismatches, each named.
#pragma once

#include <set>
#include <string>
#include <vector>

#include "torch/checkpoint.h"
#include "zoo/net_builder.h"

namespace mconv::torch {

class StateDictParameters : public zoo::ParameterSource {
 public:
  explicit StateDictParameters(const Checkpoint& checkpoint) : checkpoint_(checkpoint) {}

  Tensor parameter(const std::string& name, const std::vector<int64_t>& shape,
                   const zoo::ParameterInit& init) override;

  // The shape of `name` when it exists with `rank` dims; otherwise records it as missing (or
  // mis-shaped) and returns `rank` ones so that building can go on to collect every problem.
  std::vector<int64_t> dims(const std::string& name, size_t rank);
  bool has(const std::string& name) const { return checkpoint_.find(name) != nullptr; }

  // OK when every key was used with the right shape (BatchNorm's num_batches_tracked need not
  // be); else one line naming the missing, unexpected and mis-shaped keys for `arch`.
  Status finish(const std::string& arch) const;

 private:
  const Checkpoint& checkpoint_;
  std::set<std::string> used_;
  std::vector<std::string> missing_;
  std::vector<std::string> mismatched_;
};

}  // namespace mconv::torch
