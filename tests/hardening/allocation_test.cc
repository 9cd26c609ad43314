// Allocation amplification: a few bytes of input must not make mconv allocate megabytes. This test
// executable replaces the global operator new to record the largest single allocation, then
// imports tiny files whose length prefixes claim gigabytes.
#include <atomic>
#include <cstdlib>
#include <new>

#include "hardening_util.h"
#include "onnx/onnx_importer.h"
#include "tflite/tflite_importer.h"

namespace {
std::atomic<size_t> g_largest_allocation{0};
}  // namespace

void* operator new(size_t size) {
  size_t seen = g_largest_allocation.load(std::memory_order_relaxed);
  while (size > seen && !g_largest_allocation.compare_exchange_weak(seen, size)) {
  }
  if (void* p = std::malloc(size ? size : 1)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept {
  std::free(p);
}
void operator delete(void* p, size_t) noexcept {
  std::free(p);
}

namespace mconv::hardening {
namespace {

constexpr size_t kSmall = 4 << 20;  // far above what a few-byte file needs, far below a reserve

template <typename Fn>
size_t largest_allocation_during(Fn&& fn) {
  g_largest_allocation = 0;
  fn();
  return g_largest_allocation.load();
}

// Fuzzer finding (fuzz_onnx_import): "0a ff ff ff 12" (5 bytes) made protobuf reserve 38 MB for a
// string it could never fill, because the stream's byte limit was INT_MAX rather than the input
// size. Top-level and nested length prefixes are both covered.
TEST(Allocation, HugeLengthPrefixesInTinyOnnxFiles) {
  const std::vector<std::vector<uint8_t>> inputs = {
      {0x0a, 0xff, 0xff, 0xff, 0x12},
      {0x08, 0x08, 0x7a, 0xff, 0xff, 0xff, 0xff, 0x07},
      // graph { node { name: <2 GB> } } with correct outer lengths.
      {0x08, 0x08, 0x3a, 0x08, 0x0a, 0x06, 0x1a, 0xff, 0xff, 0xff, 0xff, 0x07},
  };
  for (const auto& bytes : inputs) {
    Expected<ir::Model> model = Status::Error("not run");
    const size_t largest =
        largest_allocation_during([&] { model = onnx::import_onnx_bytes(bytes, ""); });
    ASSERT_FALSE(model.ok());
    EXPECT_EQ(model.status().message().find('\n'), std::string::npos);
    EXPECT_LT(largest, kSmall) << "a " << bytes.size() << "-byte file allocated " << largest
                               << " bytes: " << model.status().message();
  }
}

// The flatbuffers verifier checks every vector length against the buffer before anything is
// allocated for it.
TEST(Allocation, HugeVectorLengthsInTinyTfliteFiles) {
  // "TFL3" root table whose vectors claim 2^31 elements.
  std::vector<uint8_t> bytes = {0x10, 0, 0,    0, 'T',  'F',  'L',  '3', 0x08, 0,
                                0x0c, 0, 0x04, 0, 0x08, 0,    0x08, 0,   0,    0,
                                0x04, 0, 0,    0, 0xff, 0xff, 0xff, 0x7f};
  Expected<ir::Model> model = Status::Error("not run");
  const size_t largest =
      largest_allocation_during([&] { model = tflite::import_tflite_bytes(bytes); });
  ASSERT_FALSE(model.ok());
  EXPECT_LT(largest, kSmall) << model.status().message();
}

}  // namespace
}  // namespace mconv::hardening
