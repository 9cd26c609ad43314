#include "pipeline/bench_measures.h"

#include <sys/resource.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>

#include "core/half.h"

namespace mconv::pipeline {

int64_t peak_rss_bytes() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line))
    if (line.rfind("VmHWM:", 0) == 0) return std::strtoll(line.c_str() + 6, nullptr, 10) * 1024;
  rusage usage{};
  ::getrusage(RUSAGE_SELF, &usage);
  return static_cast<int64_t>(usage.ru_maxrss) * 1024;
}

bool reset_peak_rss() {
  FILE* f = std::fopen("/proc/self/clear_refs", "w");
  if (!f) return false;
  bool ok = std::fputs("5", f) >= 0;
  return std::fclose(f) == 0 && ok;
}

Expected<Tensor> random_tensor(DType dtype, std::vector<int64_t> shape, std::mt19937_64& rng) {
  for (int64_t& d : shape)
    if (d < 0) d = 1;
  Tensor t(dtype, shape);
  const int64_t n = t.element_count();
  std::uniform_real_distribution<float> unit(-1.f, 1.f);
  switch (dtype) {
    case DType::kF32:
      for (int64_t i = 0; i < n; ++i) t.data<float>()[i] = unit(rng);
      break;
    case DType::kF16:
      for (int64_t i = 0; i < n; ++i) t.data<uint16_t>()[i] = float_to_half(unit(rng));
      break;
    case DType::kI8:
      for (int64_t i = 0; i < n; ++i) t.data<int8_t>()[i] = static_cast<int8_t>(rng() % 256 - 128);
      break;
    case DType::kU8:
      for (int64_t i = 0; i < n; ++i) t.data<uint8_t>()[i] = static_cast<uint8_t>(rng() % 256);
      break;
    case DType::kI32:
      for (int64_t i = 0; i < n; ++i) t.data<int32_t>()[i] = static_cast<int32_t>(rng() % 10);
      break;
    case DType::kI64:
      for (int64_t i = 0; i < n; ++i) t.data<int64_t>()[i] = static_cast<int64_t>(rng() % 10);
      break;
    default:
      return Status::Error("cannot make random inputs of type " + std::string(dtype_name(dtype)));
  }
  return t;
}

}  // namespace mconv::pipeline
