#include "cli/metadata_options.h"

namespace mconv::cli {

std::vector<OptionSpec> metadata_option_specs() {
  return {
      {.name = "labels",
       .value_name = "FILE|imagenet",
       .help = "class names for the metadata: one per line, or the built-in ImageNet names"},
      {.name = "no-metadata", .help = "write no model metadata (TFLite metadata, ONNX props)"},
      {.name = "author", .value_name = "TEXT", .help = "metadata: author (default mconv)"},
      {.name = "license", .value_name = "TEXT", .help = "metadata: license"},
      {.name = "model-version", .value_name = "V", .help = "metadata: model version"},
      {.name = "description", .value_name = "TEXT", .help = "metadata: one-line description"},
  };
}

MetadataChoice metadata_choice(const ParsedArgs& args) {
  MetadataChoice c;
  c.write = !args.flag("no-metadata");
  c.labels = args.value("labels").value_or("");
  c.description = args.value("description").value_or("");
  c.version = args.value("model-version").value_or("");
  c.author = args.value("author").value_or("");
  c.license = args.value("license").value_or("");
  return c;
}

}  // namespace mconv::cli
