#include "zoo/zoo.h"

#include "ir/verifier.h"
#include "passes/shape_inference.h"
#include "zoo/mobilenet_v3_small.h"
#include "zoo/onnx_weights.h"
#include "zoo/synthetic_calibration.h"

namespace mconv::zoo {

namespace {

// Samples in the synthetic calibration batch: enough for stable per-unit means in the classifier.
constexpr int kCalibrationSamples = 8;

using BuildFn = void (*)(ir::Graph&, SeededRandom&);

struct Recipe {
  ZooEntry entry;  // what zoo_models() shows
  BuildFn build;   // adds the architecture to an empty graph
};

const std::vector<Recipe>& recipes() {
  static const std::vector<Recipe> kRecipes = {
      {{"mobilenet_v3_small",
        "torchvision MobileNetV3-Small (1000 classes), Conv+BatchNorm, Hardswish/SE",
        {1, 3, 224, 224},
        {1, 1000}},
       build_mobilenet_v3_small},
  };
  return kRecipes;
}

}  // namespace

const std::vector<ZooEntry>& zoo_models() {
  static const std::vector<ZooEntry> kEntries = [] {
    std::vector<ZooEntry> entries;
    for (const Recipe& r : recipes()) entries.push_back(r.entry);
    return entries;
  }();
  return kEntries;
}

std::vector<std::string> zoo_model_names() {
  std::vector<std::string> names;
  for (const ZooEntry& e : zoo_models()) names.push_back(e.name);
  return names;
}

Expected<ir::Model> build_zoo_model(const std::string& name, const ZooOptions& options) {
  const Recipe* recipe = nullptr;
  for (const Recipe& r : recipes())
    if (r.entry.name == name) recipe = &r;
  if (!recipe) {
    std::string choices;
    for (const std::string& n : zoo_model_names()) choices += (choices.empty() ? "" : ", ") + n;
    return Status::Error("unknown zoo model '" + name + "' (available: " + choices + ")");
  }
  ir::Model model;
  model.source_format = "zoo";
  model.graph.name = name;
  SeededRandom random(options.seed);
  recipe->build(model.graph, random);
  MCONV_RETURN_IF_ERROR(model.graph.topological_sort());
  auto shaped = passes::infer_shapes(model.graph);
  if (!shaped.ok()) return shaped.status().with_context("zoo " + name);
  if (options.weights_path.empty()) {
    MCONV_RETURN_IF_ERROR(calibrate_synthetic(model.graph, random, kCalibrationSamples));
    model.producer = "mconv zoo, synthetic weights, seed " + std::to_string(options.seed);
  } else {
    MCONV_RETURN_IF_ERROR(load_onnx_weights(model.graph, options.weights_path));
    model.producer = "mconv zoo, weights from " + options.weights_path;
  }
  MCONV_RETURN_IF_ERROR(ir::verify(model.graph).with_context("zoo " + name));
  return model;
}

}  // namespace mconv::zoo
