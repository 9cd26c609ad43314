// torchvision SqueezeNet 1.0 and 1.1: a stem conv (7x7/2, 96 for 1.0; 3x3/2, 64 for 1.1; no
// padding) with ReLU, ceil_mode 3x3/2 max pools between Fire modules (squeeze 1x1-ReLU, then
// expand 1x1-ReLU and expand 3x3 pad 1-ReLU concatenated), a classifier of Dropout, a 1x1 conv to
// the classes, ReLU and global average pool, flattened. No BatchNorm.
#include "torch/families/torch_net.h"

namespace mconv::torch {

namespace {

using ir::OpType;

Act fire(TorchNet& t, Act x, const std::string& name) {
  Act s =
      t.unary(OpType::kRelu, t.conv(x, name + ".squeeze", 1, true), name + ".squeeze_activation");
  Act e1 = t.unary(OpType::kRelu, t.conv(s, name + ".expand1x1", 1, true),
                   name + ".expand1x1_activation");
  Act e3 = t.unary(OpType::kRelu, t.conv(s, name + ".expand3x3", 1, true, 1),
                   name + ".expand3x3_activation");
  return {t.net.concat({e1.value, e3.value}, name + ".cat", 1), e1.channels + e3.channels};
}

Act pool(TorchNet& t, Act x, int index) {
  return {t.net.max_pool(x.value, "features." + std::to_string(index), 3, 2, 0, true), x.channels};
}

}  // namespace

int64_t build_squeezenet(TorchNet& t, const std::string& arch) {
  Act x = t.conv(t.input(), "features.0", 2, true, 0);
  x = t.unary(OpType::kRelu, x, "features.1");
  // Layer indices of the pools; every other index from 3 to 12 is a Fire module.
  const std::vector<int> pools =
      arch == "squeezenet1_0" ? std::vector<int>{2, 6, 11} : std::vector<int>{2, 5, 8};
  for (int i = 2; i <= 12; ++i) {
    if (std::find(pools.begin(), pools.end(), i) != pools.end())
      x = pool(t, x, i);
    else
      x = fire(t, x, "features." + std::to_string(i));
  }
  x = t.unary(OpType::kDropout, x, "classifier.0");
  x = t.conv(x, "classifier.1", 1, true);
  x = t.unary(OpType::kRelu, x, "classifier.2");
  ir::Value* pooled = t.net.global_average_pool(x.value, "classifier.3");
  return Act{t.net.flatten(pooled, "logits"), x.channels}.channels;
}

}  // namespace mconv::torch
