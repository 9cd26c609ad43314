// IEEE half and bfloat16 <-> float conversions (round to nearest even).
#pragma once

#include <cstdint>

namespace mconv {

uint16_t float_to_half(float f);
float half_to_float(uint16_t h);
uint16_t float_to_bfloat16(float f);
float bfloat16_to_float(uint16_t b);

}  // namespace mconv
