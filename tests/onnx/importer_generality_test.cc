// Importer generality: small models built here with the ONNX protobuf API, reproducing the ops
// and forms torchvision's other classifiers export (ResNet, EfficientNet, ShuffleNetV2,
// SqueezeNet, MNASNet, MobileNetV3-Large), in opset-11 and newer forms, with static and dynamic
// batch. Each must import, export at every opset 13..18, pass the checker, and run in ONNX
// Runtime like the original (<= 1e-5); the reference interpreter must match ORT (<= 1e-4).
#include <cstdio>

#include "ir/verifier.h"
#include "onnx_test_util.h"

namespace mconv::onnx::test {
namespace {

using DS = std::vector<DimSpec>;

// Batch dim: fixed 1, or symbolic "N" for the dynamic-batch variants.
DimSpec batch_dim(bool dynamic) {
  return dynamic ? DimSpec{std::string("N")} : DimSpec{int64_t{1}};
}

// Adds Conv(+bias) and returns its output name.
std::string conv(ModelBuilder& b, const std::string& x, const std::string& name, int64_t out_c,
                 int64_t in_c_per_group, int64_t k, int64_t stride, int64_t pad, int64_t group,
                 uint32_t seed, bool bias = true) {
  b.weight(name + ".w", {out_c, in_c_per_group, k, k}, seed,
           1.0f / std::sqrt(float(in_c_per_group * k * k)));
  std::vector<std::string> inputs = {x, name + ".w"};
  if (bias) {
    b.weight(name + ".b", {out_c}, seed + 1, 0.1f);
    inputs.push_back(name + ".b");
  }
  auto& n = b.node("Conv", inputs, {name}, name);
  attr(n, "kernel_shape", std::vector<int64_t>{k, k});
  attr(n, "strides", std::vector<int64_t>{stride, stride});
  attr(n, "pads", std::vector<int64_t>{pad, pad, pad, pad});
  attr(n, "dilations", std::vector<int64_t>{1, 1});
  attr(n, "group", group);
  return name;
}

std::string batch_norm(ModelBuilder& b, const std::string& x, const std::string& name, int64_t c,
                       uint32_t seed) {
  b.weight(name + ".scale", {c}, seed, 0.5f);
  b.weight(name + ".bias", {c}, seed + 1, 0.2f);
  b.weight(name + ".mean", {c}, seed + 2, 0.2f);
  Tensor var = random_tensor({c}, seed + 3, 0.5f);
  for (int64_t i = 0; i < c; ++i) var.data<float>()[i] = std::fabs(var.data<float>()[i]) + 0.5f;
  b.initializer(name + ".var", var);
  attr(b.node("BatchNormalization",
              {x, name + ".scale", name + ".bias", name + ".mean", name + ".var"}, {name}, name),
       "epsilon", 1e-5f);
  return name;
}

std::string unary(ModelBuilder& b, const std::string& op, const std::string& x,
                  const std::string& name) {
  b.node(op, {x}, {name}, name);
  return name;
}

std::string binary(ModelBuilder& b, const std::string& op, const std::string& x,
                   const std::string& y, const std::string& name) {
  b.node(op, {x, y}, {name}, name);
  return name;
}

std::string silu(ModelBuilder& b, const std::string& x, const std::string& name) {
  return binary(b, "Mul", x, unary(b, "Sigmoid", x, name + ".sig"), name);
}

std::string hard_swish(ModelBuilder& b, int opset, const std::string& x, const std::string& name) {
  if (opset >= 14) return unary(b, "HardSwish", x, name);
  // What torch exports below opset 14: x * HardSigmoid(x, alpha=1/6).
  auto& hs = b.node("HardSigmoid", {x}, {name + ".hs"}, name + ".hs");
  attr(hs, "alpha", 1.0f / 6.0f);
  return binary(b, "Mul", x, name + ".hs", name);
}

std::string reduce_mean(ModelBuilder& b, int opset, const std::string& x, const std::string& name,
                        std::vector<int64_t> axes, int64_t keepdims) {
  if (opset >= 18) {
    b.ints(name + ".axes", axes);
    attr(b.node("ReduceMean", {x, name + ".axes"}, {name}, name), "keepdims", keepdims);
  } else {
    auto& n = b.node("ReduceMean", {x}, {name}, name);
    attr(n, "axes", axes);
    attr(n, "keepdims", keepdims);
  }
  return name;
}

std::string unsqueeze(ModelBuilder& b, int opset, const std::string& x, const std::string& name,
                      std::vector<int64_t> axes) {
  if (opset >= 13) {
    b.ints(name + ".axes", axes);
    b.node("Unsqueeze", {x, name + ".axes"}, {name}, name);
  } else {
    attr(b.node("Unsqueeze", {x}, {name}, name), "axes", axes);
  }
  return name;
}

std::string classifier(ModelBuilder& b, const std::string& x, int64_t features, int64_t classes,
                       uint32_t seed, const std::string& out = "logits") {
  b.weight("fc.w", {classes, features}, seed, 1.0f / std::sqrt(float(features)));
  b.weight("fc.b", {classes}, seed + 1, 0.1f);
  auto& g = b.node("Gemm", {x, "fc.w", "fc.b"}, {out}, "fc");
  attr(g, "alpha", 1.0f);
  attr(g, "beta", 1.0f);
  attr(g, "transB", int64_t{1});
  b.output(out);
  return out;
}

std::string gap_flatten(ModelBuilder& b, const std::string& x) {
  unary(b, "GlobalAveragePool", x, "gap");
  attr(b.node("Flatten", {"gap"}, {"flat"}, "flatten"), "axis", int64_t{1});
  return "flat";
}

// ResNet: 7x7/2 stem with BatchNorm, MaxPool with pads, basic blocks with Add residuals and a
// strided 1x1 downsample, GlobalAveragePool + Flatten + Gemm.
std::vector<uint8_t> resnet_like(int opset, bool dynamic) {
  ModelBuilder b(opset);
  b.input("x", {batch_dim(dynamic), int64_t{3}, int64_t{32}, int64_t{32}});
  std::string s = conv(b, "x", "stem", 8, 3, 7, 2, 3, 1, 10, false);
  s = unary(b, "Relu", batch_norm(b, s, "stem.bn", 8, 20), "stem.relu");
  auto& mp = b.node("MaxPool", {s}, {"pool"}, "pool");
  attr(mp, "kernel_shape", std::vector<int64_t>{3, 3});
  attr(mp, "strides", std::vector<int64_t>{2, 2});
  attr(mp, "pads", std::vector<int64_t>{1, 1, 1, 1});
  std::string y = unary(b, "Relu", conv(b, "pool", "l1.c1", 8, 8, 3, 1, 1, 1, 30), "l1.r1");
  y = conv(b, y, "l1.c2", 8, 8, 3, 1, 1, 1, 40);
  y = unary(b, "Relu", binary(b, "Add", y, "pool", "l1.add"), "l1.out");
  std::string d = conv(b, y, "l2.down", 16, 8, 1, 2, 0, 1, 50);
  std::string z = unary(b, "Relu", conv(b, y, "l2.c1", 16, 8, 3, 2, 1, 1, 60), "l2.r1");
  z = conv(b, z, "l2.c2", 16, 16, 3, 1, 1, 1, 70);
  z = unary(b, "Relu", binary(b, "Add", z, d, "l2.add"), "l2.out");
  classifier(b, gap_flatten(b, z), 16, 10, 80);
  return b.bytes();
}

// EfficientNet: SiLU as Sigmoid*x, depthwise conv, squeeze-excitation with ReduceMean over
// [2,3] (keepdims), residual Add, Dropout before the classifier.
std::vector<uint8_t> efficientnet_like(int opset, bool dynamic) {
  ModelBuilder b(opset);
  b.input("x", {batch_dim(dynamic), int64_t{3}, int64_t{16}, int64_t{16}});
  std::string s = silu(b, conv(b, "x", "stem", 16, 3, 3, 2, 1, 1, 1), "stem.act");
  std::string dw = silu(b, conv(b, s, "dw", 16, 1, 3, 1, 1, 16, 2), "dw.act");
  std::string se = reduce_mean(b, opset, dw, "se.pool", {2, 3}, 1);
  se = silu(b, conv(b, se, "se.reduce", 4, 16, 1, 1, 0, 1, 3), "se.act");
  se = unary(b, "Sigmoid", conv(b, se, "se.expand", 16, 4, 1, 1, 0, 1, 4), "se.gate");
  std::string y = binary(b, "Mul", dw, se, "se.scale");
  y = conv(b, y, "project", 16, 16, 1, 1, 0, 1, 5);
  y = binary(b, "Add", y, s, "residual");
  std::string f = gap_flatten(b, y);
  b.node("Dropout", {f}, {"drop"}, "dropout");
  classifier(b, "drop", 16, 10, 6);
  return b.bytes();
}

// ShuffleNetV2: channel split (Split, or Slice in the second unit), branch convs, Concat, and the
// channel shuffle Reshape -> Transpose -> Reshape whose batch comes from Shape/Gather/Unsqueeze/
// Concat as torch traces it; mean over [2,3] without keepdims; Gemm.
std::vector<uint8_t> shufflenet_like(int opset, bool dynamic) {
  ModelBuilder b(opset);
  b.input("x", {batch_dim(dynamic), int64_t{8}, int64_t{8}, int64_t{8}});
  auto shuffle = [&](const std::string& x, const std::string& p) {
    b.node("Shape", {x}, {p + ".shape"}, p + ".shape");
    b.initializer(p + ".zero", Tensor::FromVector<int64_t>(DType::kI64, {}, {0}));
    attr(b.node("Gather", {p + ".shape", p + ".zero"}, {p + ".n"}, p + ".gather"), "axis",
         int64_t{0});
    unsqueeze(b, opset, p + ".n", p + ".n1", {0});
    b.ints(p + ".dims5", {2, 4, 8, 8});
    b.ints(p + ".dims4", {8, 8, 8});
    attr(b.node("Concat", {p + ".n1", p + ".dims5"}, {p + ".shape5"}, p + ".cat5"), "axis",
         int64_t{0});
    attr(b.node("Concat", {p + ".n1", p + ".dims4"}, {p + ".shape4"}, p + ".cat4"), "axis",
         int64_t{0});
    b.node("Reshape", {x, p + ".shape5"}, {p + ".r5"}, p + ".reshape5");
    attr(b.node("Transpose", {p + ".r5"}, {p + ".t"}, p + ".transpose"), "perm",
         std::vector<int64_t>{0, 2, 1, 3, 4});
    b.node("Reshape", {p + ".t", p + ".shape4"}, {p + ".out"}, p + ".reshape4");
    return p + ".out";
  };
  auto branch = [&](const std::string& x, const std::string& p, uint32_t seed) {
    std::string y = unary(b, "Relu", conv(b, x, p + ".c1", 4, 4, 1, 1, 0, 1, seed), p + ".r1");
    y = conv(b, y, p + ".dw", 4, 1, 3, 1, 1, 4, seed + 2);
    return unary(b, "Relu", conv(b, y, p + ".c2", 4, 4, 1, 1, 0, 1, seed + 4), p + ".r2");
  };
  // Unit 1: Split.
  if (opset >= 13) {
    b.ints("u1.sizes", {4, 4});
    attr(b.node("Split", {"x", "u1.sizes"}, {"u1.a", "u1.b"}, "u1.split"), "axis", int64_t{1});
  } else {
    auto& sp = b.node("Split", {"x"}, {"u1.a", "u1.b"}, "u1.split");
    attr(sp, "axis", int64_t{1});
    attr(sp, "split", std::vector<int64_t>{4, 4});
  }
  attr(b.node("Concat", {"u1.a", branch("u1.b", "u1.br", 100)}, {"u1.cat"}, "u1.concat"), "axis",
       int64_t{1});
  std::string u1 = shuffle("u1.cat", "u1.shuffle");
  // Unit 2: Slice (starts/ends/axes/steps inputs).
  b.ints("u2.s0", {0});
  b.ints("u2.e0", {4});
  b.ints("u2.s1", {4});
  b.ints("u2.e1", {INT64_MAX});
  b.ints("u2.axes", {1});
  b.ints("u2.steps", {1});
  b.node("Slice", {u1, "u2.s0", "u2.e0", "u2.axes"}, {"u2.a"}, "u2.slice_a");
  b.node("Slice", {u1, "u2.s1", "u2.e1", "u2.axes", "u2.steps"}, {"u2.b"}, "u2.slice_b");
  attr(b.node("Concat", {"u2.a", branch("u2.b", "u2.br", 200)}, {"u2.cat"}, "u2.concat"), "axis",
       int64_t{1});
  std::string u2 = shuffle("u2.cat", "u2.shuffle");
  classifier(b, reduce_mean(b, opset, u2, "mean", {2, 3}, 0), 8, 10, 300);
  return b.bytes();
}

// SqueezeNet: MaxPool with ceil_mode=1, fire module (squeeze, expand 1x1 and 3x3 Concat),
// Dropout, final 1x1 conv + AveragePool (with and without padding counted) + Flatten.
std::vector<uint8_t> squeezenet_like(int opset, bool dynamic) {
  ModelBuilder b(opset);
  b.input("x", {batch_dim(dynamic), int64_t{3}, int64_t{33}, int64_t{33}});
  std::string s = unary(b, "Relu", conv(b, "x", "stem", 8, 3, 3, 2, 0, 1, 1), "stem.relu");
  auto& mp = b.node("MaxPool", {s}, {"pool"}, "pool");
  attr(mp, "kernel_shape", std::vector<int64_t>{3, 3});
  attr(mp, "strides", std::vector<int64_t>{2, 2});
  attr(mp, "ceil_mode", int64_t{1});
  std::string sq =
      unary(b, "Relu", conv(b, "pool", "fire.squeeze", 4, 8, 1, 1, 0, 1, 2), "fire.sr");
  std::string e1 = unary(b, "Relu", conv(b, sq, "fire.e1", 8, 4, 1, 1, 0, 1, 3), "fire.e1r");
  std::string e3 = unary(b, "Relu", conv(b, sq, "fire.e3", 8, 4, 3, 1, 1, 1, 4), "fire.e3r");
  attr(b.node("Concat", {e1, e3}, {"fire.out"}, "fire.concat"), "axis", int64_t{1});
  b.node("Dropout", {"fire.out"}, {"drop", "drop.mask"}, "dropout");
  std::string c = unary(b, "Relu", conv(b, "drop", "final", 10, 16, 1, 1, 0, 1, 5), "final.relu");
  auto& ap = b.node("AveragePool", {c}, {"avg"}, "avg");
  attr(ap, "kernel_shape", std::vector<int64_t>{3, 3});
  attr(ap, "strides", std::vector<int64_t>{1, 1});
  auto& ap2 = b.node("AveragePool", {"avg"}, {"avg2"}, "avg_padded");
  attr(ap2, "kernel_shape", std::vector<int64_t>{2, 2});
  attr(ap2, "strides", std::vector<int64_t>{2, 2});
  attr(ap2, "pads", std::vector<int64_t>{1, 1, 1, 1});
  attr(ap2, "count_include_pad", int64_t{opset >= 13 ? 1 : 0});
  unary(b, "GlobalAveragePool", "avg2", "gap");
  attr(b.node("Flatten", {"gap"}, {"logits"}, "flatten"), "axis", int64_t{1});
  b.output("logits");
  return b.bytes();
}

// MNASNet: Conv+BN+ReLU stacks with a depthwise conv, and mean over [2,3] (no keepdims) + Gemm.
std::vector<uint8_t> mnasnet_like(int opset, bool dynamic) {
  ModelBuilder b(opset);
  b.input("x", {batch_dim(dynamic), int64_t{3}, int64_t{16}, int64_t{16}});
  std::string y = conv(b, "x", "c1", 8, 3, 3, 2, 1, 1, 1, false);
  y = unary(b, "Relu", batch_norm(b, y, "bn1", 8, 2), "r1");
  y = conv(b, y, "dw", 8, 1, 3, 1, 1, 8, 6, false);
  y = unary(b, "Relu", batch_norm(b, y, "bn2", 8, 7), "r2");
  y = batch_norm(b, conv(b, y, "pw", 12, 8, 1, 1, 0, 1, 11, false), "bn3", 12, 12);
  classifier(b, reduce_mean(b, opset, y, "mean", {2, 3}, 0), 12, 10, 20);
  return b.bytes();
}

// MobileNetV3-Large: HardSwish (or x*HardSigmoid below opset 14), SE with GlobalAveragePool and
// HardSigmoid gate, residual, classifier Gemm -> HardSwish -> Dropout -> Gemm.
std::vector<uint8_t> mobilenet_v3_large_like(int opset, bool dynamic) {
  ModelBuilder b(opset);
  b.input("x", {batch_dim(dynamic), int64_t{3}, int64_t{16}, int64_t{16}});
  std::string s = hard_swish(b, opset, conv(b, "x", "stem", 16, 3, 3, 2, 1, 1, 1), "stem.act");
  std::string e = unary(b, "Relu", conv(b, s, "expand", 32, 16, 1, 1, 0, 1, 2), "expand.relu");
  std::string dw = unary(b, "Relu", conv(b, e, "dw", 32, 1, 5, 1, 2, 32, 3), "dw.relu");
  std::string se = unary(b, "GlobalAveragePool", dw, "se.pool");
  se = unary(b, "Relu", conv(b, se, "se.fc1", 8, 32, 1, 1, 0, 1, 4), "se.relu");
  se = conv(b, se, "se.fc2", 32, 8, 1, 1, 0, 1, 5);
  auto& gate = b.node("HardSigmoid", {se}, {"se.gate"}, "se.gate");
  attr(gate, "alpha", 1.0f / 6.0f);
  attr(gate, "beta", 0.5f);
  std::string y = binary(b, "Mul", dw, "se.gate", "se.scale");
  y = binary(b, "Add", conv(b, y, "project", 16, 32, 1, 1, 0, 1, 6), s, "residual");
  std::string f = gap_flatten(b, hard_swish(b, opset, y, "last.act"));
  b.weight("fc1.w", {24, 16}, 7, 0.25f);
  b.weight("fc1.b", {24}, 8, 0.1f);
  attr(b.node("Gemm", {f, "fc1.w", "fc1.b"}, {"fc1"}, "fc1"), "transB", int64_t{1});
  std::string h = hard_swish(b, opset, "fc1", "fc1.act");
  b.node("Dropout", {h}, {"drop"}, "dropout");
  classifier(b, "drop", 24, 10, 9);
  return b.bytes();
}

// Preprocessing and less common ops: Sub/Div normalisation, reflect Pad, LeakyRelu, Clip with
// bound inputs, Tanh, Pow, Sqrt, a Cast round trip through fp16, Unsqueeze/Squeeze, Transpose,
// Flatten + MatMul, and Softmax (opset-11 flatten semantics on the 2-D logits).
std::vector<uint8_t> misc_ops(int opset, bool dynamic) {
  ModelBuilder b(opset);
  b.input("x", {batch_dim(dynamic), int64_t{3}, int64_t{8}, int64_t{8}});
  b.initializer("mean", Tensor::FromVector<float>(DType::kF32, {1, 3, 1, 1}, {0.4f, 0.5f, 0.6f}));
  b.initializer("std", Tensor::FromVector<float>(DType::kF32, {1, 3, 1, 1}, {0.2f, 0.25f, 0.3f}));
  std::string y = binary(b, "Div", binary(b, "Sub", "x", "mean", "sub"), "std", "div");
  b.ints("pads", {0, 0, 1, 1, 0, 0, 1, 1});
  attr(b.node("Pad", {y, "pads"}, {"pad"}, "pad"), "mode", "reflect");
  y = conv(b, "pad", "conv", 6, 3, 3, 1, 0, 1, 1);
  attr(b.node("LeakyRelu", {y}, {"leaky"}, "leaky"), "alpha", 0.1f);
  b.initializer("lo", f32_scalar(-0.8f));
  b.initializer("hi", f32_scalar(0.9f));
  b.node("Clip", {"leaky", "lo", "hi"}, {"clip"}, "clip");
  y = unary(b, "Tanh", "clip", "tanh");
  b.initializer("two", f32_scalar(2.0f));
  y = binary(b, "Pow", y, "two", "pow");
  b.initializer("eps", f32_scalar(0.25f));
  y = unary(b, "Sqrt", binary(b, "Add", y, "eps", "add_eps"), "sqrt");
  attr(b.node("Cast", {y}, {"half"}, "to_half"), "to", int64_t{::onnx::TensorProto::FLOAT16});
  attr(b.node("Cast", {"half"}, {"back"}, "to_float"), "to", int64_t{::onnx::TensorProto::FLOAT});
  y = unsqueeze(b, opset, "back", "unsq", {1});
  if (opset >= 13) {
    b.ints("sq.axes", {1});
    b.node("Squeeze", {y, "sq.axes"}, {"sq"}, "squeeze");
  } else {
    attr(b.node("Squeeze", {y}, {"sq"}, "squeeze"), "axes", std::vector<int64_t>{1});
  }
  attr(b.node("Transpose", {"sq"}, {"nhwc"}, "transpose"), "perm",
       std::vector<int64_t>{0, 2, 3, 1});
  attr(b.node("Flatten", {"nhwc"}, {"flat"}, "flatten"), "axis", int64_t{1});
  b.weight("proj", {6 * 8 * 8, 10}, 2, 0.05f);
  b.node("MatMul", {"flat", "proj"}, {"mm"}, "matmul");
  attr(b.node("Softmax", {"mm"}, {"probs"}, "softmax"), "axis", int64_t{1});
  b.output("probs");
  return b.bytes();
}

// Opset < 13 Softmax on a 4-D tensor at axis 1 normalises over C*H*W together (flatten
// semantics), which the importer must spell out; opset 13 normalises over C alone.
std::vector<uint8_t> softmax_4d(int opset, bool dynamic) {
  ModelBuilder b(opset);
  b.input("x", {batch_dim(dynamic), int64_t{3}, int64_t{4}, int64_t{5}});
  b.initializer("k", f32_scalar(3.0f));
  b.node("Mul", {"x", "k"}, {"scaled"}, "scale");  // intermediate: rank unknown to the importer
  attr(b.node("Softmax", {"scaled"}, {"y"}, "softmax"), "axis", int64_t{1});
  b.output("y");
  return b.bytes();
}

// QDQ: activation quantize/dequantize (uint8) and per-channel int8 weights dequantized for Conv.
std::vector<uint8_t> qdq_conv(int opset, bool dynamic) {
  ModelBuilder b(opset);
  b.input("x", {batch_dim(dynamic), int64_t{4}, int64_t{6}, int64_t{6}});
  b.initializer("x.scale", f32_scalar(0.02f));
  b.initializer("x.zp", Tensor::FromVector<uint8_t>(DType::kU8, {}, {128}));
  b.node("QuantizeLinear", {"x", "x.scale", "x.zp"}, {"xq"}, "quant");
  b.node("DequantizeLinear", {"xq", "x.scale", "x.zp"}, {"xdq"}, "dequant");
  Tensor wq(DType::kI8, {5, 4, 3, 3});
  std::mt19937 rng(7);
  for (int64_t i = 0; i < wq.element_count(); ++i)
    wq.data<int8_t>()[i] = static_cast<int8_t>(static_cast<int>(rng() % 255) - 127);
  b.initializer("w.q", wq);
  b.initializer("w.scale", Tensor::FromVector<float>(DType::kF32, {5},
                                                     {0.01f, 0.02f, 0.005f, 0.015f, 0.008f}));
  b.initializer("w.zp", Tensor(DType::kI8, {5}));
  attr(b.node("DequantizeLinear", {"w.q", "w.scale", "w.zp"}, {"w"}, "wdq"), "axis", int64_t{0});
  auto& c = b.node("Conv", {"xdq", "w"}, {"y"}, "conv");
  attr(c, "kernel_shape", std::vector<int64_t>{3, 3});
  attr(c, "pads", std::vector<int64_t>{1, 1, 1, 1});
  b.output("y");
  return b.bytes();
}

struct Case {
  const char* name;                                        // test name
  std::vector<uint8_t> (*build)(int opset, bool dynamic);  // model builder
  int opset;                                               // opset of the built file
  bool dynamic;                                            // batch dim symbolic
  std::vector<int64_t> input_shape;                        // shape fed at run time
};

const Case kCases[] = {
    {"resnet_op11", resnet_like, 11, false, {1, 3, 32, 32}},
    {"resnet_op13_dynbatch", resnet_like, 13, true, {3, 3, 32, 32}},
    {"resnet_op17", resnet_like, 17, false, {1, 3, 32, 32}},
    {"efficientnet_op11", efficientnet_like, 11, false, {1, 3, 16, 16}},
    {"efficientnet_op13", efficientnet_like, 13, false, {1, 3, 16, 16}},
    {"efficientnet_op18_dynbatch", efficientnet_like, 18, true, {2, 3, 16, 16}},
    {"shufflenet_op11", shufflenet_like, 11, false, {1, 8, 8, 8}},
    {"shufflenet_op13_dynbatch", shufflenet_like, 13, true, {2, 8, 8, 8}},
    {"shufflenet_op17", shufflenet_like, 17, false, {1, 8, 8, 8}},
    {"squeezenet_op11", squeezenet_like, 11, false, {1, 3, 33, 33}},
    {"squeezenet_op13_dynbatch", squeezenet_like, 13, true, {2, 3, 33, 33}},
    {"mnasnet_op11", mnasnet_like, 11, false, {1, 3, 16, 16}},
    {"mnasnet_op18", mnasnet_like, 18, false, {1, 3, 16, 16}},
    {"mobilenet_v3_large_op11", mobilenet_v3_large_like, 11, false, {1, 3, 16, 16}},
    {"mobilenet_v3_large_op13", mobilenet_v3_large_like, 13, false, {1, 3, 16, 16}},
    {"mobilenet_v3_large_op17_dynbatch", mobilenet_v3_large_like, 17, true, {2, 3, 16, 16}},
    {"misc_ops_op11", misc_ops, 11, false, {1, 3, 8, 8}},
    {"misc_ops_op13_dynbatch", misc_ops, 13, true, {2, 3, 8, 8}},
    {"softmax4d_op11", softmax_4d, 11, false, {1, 3, 4, 5}},
    {"softmax4d_op11_dynbatch", softmax_4d, 11, true, {2, 3, 4, 5}},
    {"softmax4d_op13", softmax_4d, 13, false, {1, 3, 4, 5}},
    {"qdq_conv_op13", qdq_conv, 13, false, {1, 4, 6, 6}},
};

class GeneralityTest : public ::testing::TestWithParam<Case> {};

TEST_P(GeneralityTest, RoundTripMatchesOrtAndInterpreter) {
  const Case& c = GetParam();
  const std::vector<uint8_t> original = c.build(c.opset, c.dynamic);
  const Tensor input = random_tensor(c.input_shape, 1234, 1.0f);

  auto expected = run_ort(original, {input});
  ASSERT_TRUE(expected.ok()) << "ORT on the original: " << expected.status().message();
  // The tolerances below only mean something if the outputs vary (no dead network).
  for (const Tensor& out : *expected) {
    const std::vector<float> v = out.to_f32();
    const auto [lo, hi] = std::minmax_element(v.begin(), v.end());
    ASSERT_GT(*hi - *lo, 0.05f) << "degenerate test model output";
  }

  OnnxImportOptions import_options;
  import_options.source_name = std::string(c.name) + ".onnx";
  auto model = import_onnx_bytes(original, "", import_options);
  ASSERT_TRUE(model.ok()) << model.status().message();
  ASSERT_TRUE(ir::verify(model->graph).ok()) << ir::verify(model->graph).message();
  EXPECT_EQ(model->source_opset, c.opset);
  if (c.dynamic) {
    ASSERT_FALSE(model->graph.inputs[0]->shape.empty());
    EXPECT_EQ(model->graph.inputs[0]->shape[0].symbol, "N");
  }

  float worst_export = 0;
  for (int opset = 13; opset <= 18; ++opset) {
    auto exported = export_checked(model->graph, opset);
    ASSERT_TRUE(exported.ok()) << exported.status().message();
    auto actual = run_ort(*exported, {input});
    ASSERT_TRUE(actual.ok()) << "opset " << opset << ": " << actual.status().message();
    ASSERT_EQ(actual->size(), expected->size());
    for (size_t i = 0; i < actual->size(); ++i) {
      const Diff d = compare((*actual)[i], (*expected)[i]);
      ASSERT_TRUE(d.same_shape) << "opset " << opset;
      EXPECT_LE(d.max_abs, 1e-5f) << "opset " << opset << " output " << i;
      worst_export = std::max(worst_export, d.max_abs);
    }
  }

  auto interpreted = run_interpreter(model->graph, {input});
  ASSERT_TRUE(interpreted.ok()) << interpreted.status().message();
  ASSERT_EQ(interpreted->size(), expected->size());
  float worst_interpreter = 0;
  for (size_t i = 0; i < interpreted->size(); ++i) {
    const Diff d = compare((*interpreted)[i], (*expected)[i]);
    ASSERT_TRUE(d.same_shape) << "output " << i;
    EXPECT_LE(d.max_abs, 1e-4f) << "output " << i;
    worst_interpreter = std::max(worst_interpreter, d.max_abs);
  }
  std::printf(
      "[ metric ] %s: ORT(export, opsets 13-18) vs ORT(original) %.3g, interpreter vs ORT %.3g\n",
      c.name, worst_export, worst_interpreter);
}

INSTANTIATE_TEST_SUITE_P(Torchvision, GeneralityTest, ::testing::ValuesIn(kCases),
                         [](const ::testing::TestParamInfo<Case>& info) {
                           return std::string(info.param.name);
                         });

}  // namespace
}  // namespace mconv::onnx::test
