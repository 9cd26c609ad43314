// A seeded random source whose sequence is the same on every platform and standard library
// (std::normal_distribution is implementation-defined, so the zoo does its own sampling).
#pragma once

#include <cmath>
#include <cstdint>
#include <random>

namespace mconv::zoo {

class SeededRandom {
 public:
  explicit SeededRandom(uint64_t seed) : engine_(seed) {}
  // Uniform in [0, 1) from the top 53 bits.
  double uniform() { return static_cast<double>(engine_() >> 11) * 0x1.0p-53; }
  double uniform(double lo, double hi) { return lo + (hi - lo) * uniform(); }
  // Standard normal by Box-Muller (one value per call; the pair's second half is kept).
  double normal() {
    if (has_spare_) {
      has_spare_ = false;
      return spare_;
    }
    double u1 = 1.0 - uniform(), u2 = uniform();  // u1 in (0, 1]
    double radius = std::sqrt(-2.0 * std::log(u1));
    spare_ = radius * std::sin(2 * M_PI * u2);
    has_spare_ = true;
    return radius * std::cos(2 * M_PI * u2);
  }
  double normal(double mean, double stddev) { return mean + stddev * normal(); }

 private:
  std::mt19937_64 engine_;  // fully specified by the standard: same stream everywhere
  double spare_ = 0;        // second Box-Muller value
  bool has_spare_ = false;  // whether spare_ is unused
};

}  // namespace mconv::zoo
