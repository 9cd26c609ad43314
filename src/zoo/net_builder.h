// Small helpers that add PyTorch-style layers (Conv2d, BatchNorm2d, Linear, activations, pools) to
// an IR graph, naming nodes and parameters after torch module paths ("features.1.block.0.0",
// "features.1.block.0.0.weight") so dumps read like the original model. Parameters come from a
// ParameterSource: seeded synthetic ones (the zoo) or a checkpoint's state dict (src/torch).
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "ir/graph.h"
#include "zoo/seeded_random.h"

namespace mconv::zoo {

// torch.nn.BatchNorm2d's epsilon in torchvision's MobileNetV3.
inline constexpr float kMobileNetBatchNormEps = 0.001f;

// How a parameter would be initialised synthetically: normal(0, value) or filled with value.
struct ParameterInit {
  enum class Kind { kNormal, kFill } kind = Kind::kFill;
  double value = 0;
};

// Where a NetBuilder's parameters come from. `name` is the torch state-dict key.
class ParameterSource {
 public:
  virtual ~ParameterSource() = default;
  virtual Tensor parameter(const std::string& name, const std::vector<int64_t>& shape,
                           const ParameterInit& init) = 0;
};

// Seeded synthetic parameters, consumed in construction order.
class RandomParameters : public ParameterSource {
 public:
  explicit RandomParameters(SeededRandom& random) : random_(random) {}
  Tensor parameter(const std::string& name, const std::vector<int64_t>& shape,
                   const ParameterInit& init) override;

 private:
  SeededRandom& random_;
};

class NetBuilder {
 public:
  NetBuilder(ir::Graph& graph, SeededRandom& random)
      : graph_(graph),
        owned_random_(std::make_unique<RandomParameters>(random)),
        source_(*owned_random_) {}
  NetBuilder(ir::Graph& graph, ParameterSource& source) : graph_(graph), source_(source) {}

  // The NCHW float input.
  ir::Value* input(const std::string& name, std::vector<int64_t> shape);
  // Conv2d with square kernel, padding (k-1)/2, He-normal weights (fan-in), optional bias.
  // `pad` < 0 means (kernel-1)/2.
  ir::Value* conv(ir::Value* x, const std::string& name, int64_t in_channels, int64_t out_channels,
                  int64_t kernel, int64_t stride, int64_t groups, bool bias, int64_t pad = -1);
  // BatchNorm2d with placeholder statistics (mean 0, var 1, gamma 1, beta 0); the zoo calibrates
  // them afterwards (see synthetic_calibration.h).
  ir::Value* batch_norm(ir::Value* x, const std::string& name, int64_t channels, float epsilon);
  // Conv2d (no bias) + BatchNorm2d + optional activation, as torchvision's Conv2dNormActivation
  // (children .0, .1, .2). `activation` is kRelu, kHardSwish or kIdentity for none.
  ir::Value* conv_bn_act(ir::Value* x, const std::string& name, int64_t in_channels,
                         int64_t out_channels, int64_t kernel, int64_t stride, int64_t groups,
                         ir::OpType activation, float epsilon = kMobileNetBatchNormEps);
  // A one-input op without attributes (Relu, HardSwish, Dropout, ...).
  ir::Value* unary(ir::OpType op, ir::Value* x, const std::string& name);
  // torch.nn.Hardsigmoid: relu6(x + 3) / 6 = HardSigmoid(alpha 1/6, beta 0.5).
  ir::Value* hard_sigmoid(ir::Value* x, const std::string& name);
  ir::Value* binary(ir::OpType op, ir::Value* a, ir::Value* b, const std::string& name);
  ir::Value* global_average_pool(ir::Value* x, const std::string& name);
  // MaxPool2d(kernel, stride, pad, ceil_mode), square.
  ir::Value* max_pool(ir::Value* x, const std::string& name, int64_t kernel, int64_t stride,
                      int64_t pad, bool ceil_mode);
  ir::Value* concat(std::vector<ir::Value*> xs, const std::string& name, int64_t axis);
  // Reshape to a constant shape (-1 and 0 as in ONNX).
  ir::Value* reshape(ir::Value* x, const std::string& name, std::vector<int64_t> shape);
  ir::Value* transpose(ir::Value* x, const std::string& name, std::vector<int64_t> perm);
  // torch.chunk(x, parts, axis) into equal parts (Split with constant sizes).
  std::vector<ir::Value*> split(ir::Value* x, const std::string& name, int64_t axis,
                                std::vector<int64_t> sizes);
  // x.mean(axes) without keepdim (ReduceMean).
  ir::Value* reduce_mean(ir::Value* x, const std::string& name, std::vector<int64_t> axes);
  ir::Value* flatten(ir::Value* x, const std::string& name);
  // Linear as Gemm(transB=1) with weight [out, in] like torch; normal(0, 1/sqrt(in)) weights.
  // The output value is named `output_name`, or `name` when that is empty.
  ir::Value* linear(ir::Value* x, const std::string& name, int64_t in_features,
                    int64_t out_features, const std::string& output_name = "");

 private:
  // Adds node `name` with one f32 output named `output_name` (default: the node's name).
  ir::Value* output_of(ir::OpType op, const std::string& name, std::vector<ir::Value*> inputs,
                       ir::Node** node = nullptr, const std::string& output_name = "");
  ir::Value* normal_constant(const std::string& name, std::vector<int64_t> shape, double stddev);
  ir::Value* filled_constant(const std::string& name, std::vector<int64_t> shape, float value);

  ir::Graph& graph_;                                // the graph being built
  std::unique_ptr<RandomParameters> owned_random_;  // set by the SeededRandom constructor
  ParameterSource& source_;                         // where parameters come from
};

}  // namespace mconv::zoo
