#include "pipeline/variants_source.h"

#include <filesystem>

#include "zoo/zoo.h"

namespace mconv::pipeline {

Expected<VariantsSource> load_variants_source(const VariantsSourceSpec& spec) {
  VariantsSource source;
  if (spec.zoo.empty()) {
    auto file = read_model_file(spec.path);
    if (!file.ok()) return file.status();
    file->arch = spec.arch;
    auto model = import_model(*file);
    if (!model.ok()) return model.status();
    source.model = std::move(model).value();
    source.format = file->format;
    source.label = spec.path;
    source.name = std::filesystem::path(spec.path).stem().string();
    return source;
  }
  zoo::ZooOptions zoo_options;
  zoo_options.weights_path = spec.weights;
  if (spec.seed) zoo_options.seed = *spec.seed;
  // A PyTorch checkpoint of the zoo architecture is built with its own weights.
  ModelFile weights;
  if (!spec.weights.empty()) {
    auto file = read_model_file(spec.weights);
    if (!file.ok()) return file.status().with_context(spec.weights);
    weights = std::move(file).value();
    weights.arch = spec.zoo;
  }
  auto model = weights.format == ModelFormat::kTorch ? import_model(weights)
                                                     : zoo::build_zoo_model(spec.zoo, zoo_options);
  if (!model.ok()) return model.status();
  source.model = std::move(model).value();
  source.label = "zoo:" + spec.zoo + " (" + source.model.producer + ")";
  source.name = spec.zoo;
  if (spec.weights.empty())
    source.synthetic.push_back("Weights: seeded synthetic (seed " +
                               std::to_string(zoo_options.seed) +
                               ", BatchNorm statistics randomized), not trained: accuracy "
                               "against labels means nothing, agreement still does.");
  return source;
}

}  // namespace mconv::pipeline
