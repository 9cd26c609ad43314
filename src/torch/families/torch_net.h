// What every torchvision family builder shares: the NetBuilder over the checkpoint's state dict,
// and layers whose sizes are read from the state dict (channels, kernel sizes, class counts), so
// one builder serves every width of its family. Strides, activations and BatchNorm epsilon are not
// in a state dict; they come from torchvision's configuration tables in each family's file.
#pragma once

#include <cstdint>
#include <string>

#include "ir/graph.h"
#include "torch/state_dict_parameters.h"
#include "zoo/net_builder.h"

namespace mconv::torch {

// An activation tensor and its channel count.
struct Act {
  ir::Value* value = nullptr;
  int64_t channels = 0;
};

class TorchNet {
 public:
  TorchNet(ir::Graph& graph, StateDictParameters& sd) : net(graph, sd), sd(sd), graph(graph) {}

  // The [1,3,224,224] float input "input".
  Act input();
  // Conv2d `name` with its kernel and output channels from `name.weight` (OIHW); `pad` < 0 means
  // (k-1)/2. The weight's second dim must be the input's channels (groups 1) or 1 (depthwise);
  // other group counts only where the family has them (`grouped`, ResNeXt), so a weight that
  // does not fit is reported rather than read as some grouped conv.
  Act conv(Act x, const std::string& name, int64_t stride, bool bias, int64_t pad = -1,
           bool grouped = false);
  Act batch_norm(Act x, const std::string& name, float eps);
  // conv (no bias) + BatchNorm + activation (kIdentity for none, kClip for ReLU6, kSigmoid for
  // SiLU), torchvision's
  // Conv2dNormActivation with children name.0, name.1.
  Act conv_bn(Act x, const std::string& conv_name, const std::string& bn_name, int64_t stride,
              float eps, ir::OpType activation);
  Act unary(ir::OpType op, Act x, const std::string& name);
  // nn.ReLU6 as Clip(x, 0, 6).
  Act relu6(Act x, const std::string& name);
  // x * sigmoid(x) (nn.SiLU), as Sigmoid + Mul.
  Act silu(Act x, const std::string& name);
  Act hard_sigmoid(Act x, const std::string& name);
  Act add(Act a, Act b, const std::string& name);
  Act mul(Act a, Act b, const std::string& name);
  // Linear `name` with sizes from `name.weight`; output value named `output_name` if not empty.
  Act linear(Act x, const std::string& name, const std::string& output_name = "");
  // Global average pool then flatten: [N,C,H,W] -> [N,C].
  Act pool_flatten(Act x, const std::string& name);

  zoo::NetBuilder net;
  StateDictParameters& sd;
  ir::Graph& graph;
};

// The families. Each adds its architecture to an empty graph (input "input", output "logits")
// for the named variant and returns the class count; problems with the state dict are recorded
// in `sd` (see StateDictParameters::finish).
int64_t build_mobilenet_v2(TorchNet& t, const std::string& arch);
int64_t build_mobilenet_v3(TorchNet& t, const std::string& arch);
int64_t build_resnet(TorchNet& t, const std::string& arch);
int64_t build_efficientnet(TorchNet& t, const std::string& arch);
int64_t build_shufflenet_v2(TorchNet& t, const std::string& arch);
int64_t build_squeezenet(TorchNet& t, const std::string& arch);
int64_t build_mnasnet(TorchNet& t, const std::string& arch);

}  // namespace mconv::torch
