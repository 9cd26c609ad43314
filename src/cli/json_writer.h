// The JSON writer moved to core (core/json_writer.h) so that libraries (the report writer) can use
// it too; the CLI keeps its old names.
#pragma once

#include "core/json_writer.h"

namespace mconv::cli {

using ::mconv::json_quote;
using ::mconv::JsonWriter;

}  // namespace mconv::cli
