#include "torch/torch_importer.h"

#include <cmath>

#include "core/file_io.h"
#include "ir/verifier.h"
#include "passes/pipelines.h"
#include "torch/families/torch_net.h"

namespace mconv::torch {

namespace {

using BuildFn = int64_t (*)(TorchNet&, const std::string&);

struct Family {
  const char* prefix;  // architectures whose name starts with it
  BuildFn build;
};
constexpr Family kFamilies[] = {
    {"mobilenet_v2", build_mobilenet_v2},
    {"mobilenet_v3", build_mobilenet_v3},
    {"resnet", build_resnet},
    {"resnext", build_resnet},
    {"wide_resnet", build_resnet},
    {"efficientnet_b", build_efficientnet},
    {"shufflenet_v2", build_shufflenet_v2},
    {"squeezenet", build_squeezenet},
    {"mnasnet", build_mnasnet},
};

// torchvision's _make_divisible(v, 8).
int64_t make_divisible(double v) {
  int64_t r = std::max<int64_t>(8, static_cast<int64_t>(v + 4) / 8 * 8);
  if (r < 0.9 * v) r += 8;
  return r;
}

// Entries "prefix0", "prefix1", ... present (counting until the first absent).
int count_children(const Checkpoint& cp, const std::string& prefix, const std::string& suffix) {
  int n = 0;
  while (cp.find(prefix + std::to_string(n) + suffix)) ++n;
  return n;
}

int64_t out_channels(const Checkpoint& cp, const std::string& name) {
  const CheckpointTensor* t = cp.find(name);
  return t && t->value.rank() >= 1 ? t->value.dim(0) : 0;
}

Expected<std::string> efficientnet_variant(const Checkpoint& cp) {
  struct Mult {
    double width, depth;
  };
  constexpr Mult kMults[8] = {{1.0, 1.0}, {1.0, 1.1}, {1.1, 1.2}, {1.2, 1.4},
                              {1.4, 1.8}, {1.6, 2.2}, {1.8, 2.6}, {2.0, 3.1}};
  constexpr int kLayers[7] = {1, 2, 2, 3, 3, 4, 1};
  const int64_t stem = out_channels(cp, "features.0.0.weight");
  for (int b = 0; b < 8; ++b) {
    bool fits = make_divisible(32 * kMults[b].width) == stem;
    for (int s = 0; s < 7 && fits; ++s)
      fits = count_children(cp, "features." + std::to_string(s + 1) + ".", ".block.0.0.weight") ==
             static_cast<int>(std::ceil(kLayers[s] * kMults[b].depth));
    if (fits) return "efficientnet_b" + std::to_string(b);
  }
  return Status::Error("EfficientNet keys, but the stem width " + std::to_string(stem) +
                       " and stage depths match none of B0-B7");
}

}  // namespace

const std::vector<std::string>& torch_architectures() {
  static const std::vector<std::string> kArchs = {
      "mobilenet_v2",       "mobilenet_v3_small", "mobilenet_v3_large", "resnet18",
      "resnet34",           "resnet50",           "resnet101",          "resnet152",
      "resnext50_32x4d",    "resnext101_32x8d",   "resnext101_64x4d",   "wide_resnet50_2",
      "wide_resnet101_2",   "efficientnet_b0",    "efficientnet_b1",    "efficientnet_b2",
      "efficientnet_b3",    "efficientnet_b4",    "efficientnet_b5",    "efficientnet_b6",
      "efficientnet_b7",    "shufflenet_v2_x0_5", "shufflenet_v2_x1_0", "shufflenet_v2_x1_5",
      "shufflenet_v2_x2_0", "squeezenet1_0",      "squeezenet1_1",      "mnasnet0_5",
      "mnasnet0_75",        "mnasnet1_0",         "mnasnet1_3"};
  return kArchs;
}

Expected<std::string> recognize_architecture(const Checkpoint& cp) {
  auto has = [&](const std::string& k) { return cp.find(k) != nullptr; };
  if (has("conv1.weight") && has("layer1.0.conv1.weight") && has("fc.weight")) {
    const bool bottleneck = has("layer1.0.conv3.weight");
    const int l2 = count_children(cp, "layer2.", ".conv1.weight");
    const int l3 = count_children(cp, "layer3.", ".conv1.weight");
    if (!bottleneck) return std::string(l3 == 2 ? "resnet18" : "resnet34");
    std::string depth;
    if (l3 == 6) depth = "50";
    if (l3 == 23) depth = "101";
    if (l3 == 36 && l2 == 8) depth = "152";
    if (depth.empty())
      return Status::Error("ResNet keys with " + std::to_string(l3) +
                           " bottleneck blocks in layer3: not one of ResNet-50/101/152");
    // Layer 1's 3x3: groups and width tell ResNet, ResNeXt (groups x width per group) and Wide
    // ResNet (twice the width) apart.
    const CheckpointTensor* conv2 = cp.find("layer1.0.conv2.weight");
    const int64_t width = out_channels(cp, "layer1.0.conv1.weight");
    const int64_t per_group = conv2 && conv2->value.rank() == 4 ? conv2->value.dim(1) : width;
    if (per_group > 0 && per_group < width)
      return "resnext" + depth + "_" + std::to_string(width / per_group) + "x" +
             std::to_string(per_group) + "d";
    if (width == 128) return "wide_resnet" + depth + "_2";
    return "resnet" + depth;
  }
  if (has("conv1.0.weight") && has("stage2.0.branch1.0.weight")) {
    const int64_t c = out_channels(cp, "stage2.0.branch1.2.weight") * 2;
    if (c == 48) return std::string("shufflenet_v2_x0_5");
    if (c == 116) return std::string("shufflenet_v2_x1_0");
    if (c == 176) return std::string("shufflenet_v2_x1_5");
    if (c == 244) return std::string("shufflenet_v2_x2_0");
    return Status::Error("ShuffleNetV2 keys with " + std::to_string(c) +
                         " stage-2 channels: not x0.5/x1.0/x1.5/x2.0");
  }
  if (has("features.0.weight") && has("features.3.squeeze.weight")) {
    const CheckpointTensor* stem = cp.find("features.0.weight");
    return std::string(stem->value.rank() == 4 && stem->value.dim(2) == 7 ? "squeezenet1_0"
                                                                          : "squeezenet1_1");
  }
  if (has("layers.0.weight") && has("layers.8.0.layers.0.weight")) {
    switch (out_channels(cp, "layers.0.weight")) {
      case 16:
        return std::string("mnasnet0_5");
      case 24:
        return std::string("mnasnet0_75");
      case 32:
        return std::string("mnasnet1_0");
      case 40:
        return std::string("mnasnet1_3");
    }
    return Status::Error("MNASNet keys with an unknown stem width");
  }
  if (has("features.1.conv.0.0.weight")) return std::string("mobilenet_v2");
  if (has("features.1.block.0.0.weight") && has("classifier.3.weight")) {
    int n = 0;  // features.0 is the stem: blocks count from 1
    while (has("features." + std::to_string(n + 1) + ".block.0.0.weight")) ++n;
    if (n == 11) return std::string("mobilenet_v3_small");
    if (n == 15) return std::string("mobilenet_v3_large");
    return Status::Error("MobileNetV3 keys with " + std::to_string(n) + " blocks");
  }
  if (has("features.1.0.block.0.0.weight")) return efficientnet_variant(cp);
  std::string first;
  for (size_t i = 0; i < cp.tensors.size() && i < 3; ++i)
    first += (i ? ", '" : "'") + printable_text(cp.tensors[i].name) + "'";
  return Status::Error("the state dict (keys " + first +
                       ", ...) is not one of the torchvision classifiers mconv builds "
                       "(use --arch NAME if it is)");
}

Expected<ir::Model> import_torch_bytes(std::span<const uint8_t> bytes,
                                       const TorchImportOptions& options,
                                       TorchCheckpointInfo* info) {
  const std::string context = options.source_name.empty() ? "checkpoint" : options.source_name;
  auto with_context = [&](const Status& s) { return s.with_context(context); };
  auto limits = import_limits_from_env();
  if (!limits.ok()) return limits.status();
  auto checkpoint = read_checkpoint(bytes, *limits);
  if (!checkpoint.ok()) return with_context(checkpoint.status());
  const Checkpoint& cp = *checkpoint;

  std::string arch = options.arch;
  auto recognized = recognize_architecture(cp);
  if (arch.empty()) {
    if (!recognized.ok()) return with_context(recognized.status());
    arch = *recognized;
  } else if (std::find(torch_architectures().begin(), torch_architectures().end(), arch) ==
             torch_architectures().end()) {
    std::string names;
    for (const std::string& a : torch_architectures()) names += (names.empty() ? "" : ", ") + a;
    return Status::Error("--arch " + arch + ": unknown architecture (known: " + names + ")");
  }
  const Family* family = nullptr;
  for (const Family& f : kFamilies)
    if (arch.starts_with(f.prefix)) family = &f;

  ir::Model model;
  model.graph.name = arch;
  StateDictParameters sd(cp);
  TorchNet net(model.graph, sd);
  const int64_t classes = family->build(net, arch);
  model.graph.outputs.push_back(model.graph.find_value("logits"));
  if (Status s = sd.finish(arch); !s.ok()) return with_context(s);
  // Widths are read from the shapes, so a same-family --arch can still disagree with them.
  if (recognized.ok() && *recognized != arch)
    return with_context(Status::Error("the state dict's shapes are those of " + *recognized +
                                      ", not --arch " + arch));
  model.source_format = "pytorch:" + arch;
  model.producer = "PyTorch checkpoint (" + arch + ", " + std::to_string(classes) + " classes, " +
                   cp.container + " container, " + cp.form +
                   (cp.module_prefix ? ", 'module.' keys" : "") + ", " + cp.float_types() +
                   " weights)";
  MCONV_RETURN_IF_ERROR(with_context(passes::simplify_after_import(model.graph)));
  if (info) {
    info->container = cp.container;
    info->form = cp.form;
    info->module_prefix = cp.module_prefix;
    info->arch = arch;
    info->classes = classes;
    info->tensors = cp.tensors.size();
    info->dtype = cp.float_types();
    info->parameters = 0;
    for (const CheckpointTensor& t : cp.tensors)
      if (t.value.dtype() == DType::kF32 && !t.name.ends_with(".running_mean") &&
          !t.name.ends_with(".running_var"))
        info->parameters += t.value.element_count();
  }
  return model;
}

Expected<ir::Model> import_torch_file(const std::string& path, const TorchImportOptions& options,
                                      TorchCheckpointInfo* info) {
  auto bytes = read_file_bytes(path);
  if (!bytes.ok()) return bytes.status().with_context(path);
  TorchImportOptions o = options;
  if (o.source_name.empty()) o.source_name = path;
  return import_torch_bytes(*bytes, o, info);
}

}  // namespace mconv::torch
