// Numbers as people read them in summaries, errors and reports. Libraries build text with these;
// only the command line prints it.
#pragma once

#include <cstdint>
#include <string>

namespace mconv {

// "10,176,583"
std::string with_thousands(int64_t n);
// "9.7 MiB", "512 B"
std::string human_bytes(uint64_t bytes);

}  // namespace mconv
