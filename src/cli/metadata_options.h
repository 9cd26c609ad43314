// The command-line options that choose the metadata mconv writes (pipeline/metadata.h):
//
//   --labels FILE|imagenet   class names: one per line, or the built-in ImageNet names (1000, or
//                            1001 with "background" first, chosen by the model's class count)
//   --no-metadata            write none
//   --author, --license, --model-version, --description   the descriptive fields
#pragma once

#include <vector>

#include "cli/args.h"
#include "pipeline/metadata.h"

namespace mconv::cli {

using pipeline::MetadataChoice;

// The options above, for a command's spec.
std::vector<OptionSpec> metadata_option_specs();
// Reads them (labels files are read later, when the class count is known).
MetadataChoice metadata_choice(const ParsedArgs& args);

}  // namespace mconv::cli
