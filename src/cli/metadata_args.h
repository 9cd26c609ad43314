// The command-line options that choose the metadata written into converted files
// (pipeline/metadata_options.h): --labels, --no-metadata, --author, --license, --model-version,
// --description.
#pragma once

#include <vector>

#include "cli/args.h"
#include "pipeline/metadata_options.h"

namespace mconv::cli {

// The options, for a command's spec.
std::vector<OptionSpec> metadata_option_specs();
// Reads them (labels files are read later, when the class count is known).
MetadataChoice metadata_choice(const ParsedArgs& args);

}  // namespace mconv::cli
