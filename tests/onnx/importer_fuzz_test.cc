// Mutation fuzzing of import_onnx_bytes (the fuzzing entry point): thousands of corrupted
// variants of valid models must each import or fail with a one-line error, never crash, hang or
// leak (run under -DMCONV_SANITIZE=ON to catch memory errors). Deterministic seeds.
#include <random>

#include "core/file_io.h"
#include "onnx_test_util.h"
#include "support/test_support.h"

namespace mconv::onnx::test {
namespace {

// A model touching many converters, so mutations reach many code paths.
std::vector<uint8_t> seed_model() {
  ModelBuilder b(11);
  b.input("x", {std::string("N"), int64_t{4}, int64_t{6}, int64_t{6}});
  b.weight("w", {4, 4, 3, 3}, 1);
  b.weight("b", {4}, 2);
  auto& c = b.node("Conv", {"x", "w", "b"}, {"c"}, "conv");
  attr(c, "pads", std::vector<int64_t>{1, 1, 1, 1});
  attr(b.node("HardSigmoid", {"c"}, {"hs"}, "hs"), "alpha", 0.2f);
  b.node("Mul", {"c", "hs"}, {"m"}, "mul");
  auto& mp = b.node("MaxPool", {"m"}, {"p"}, "pool");
  attr(mp, "kernel_shape", std::vector<int64_t>{2, 2});
  attr(mp, "strides", std::vector<int64_t>{2, 2});
  auto& sp = b.node("Split", {"p"}, {"s1", "s2"}, "split");
  attr(sp, "axis", int64_t{1});
  attr(sp, "split", std::vector<int64_t>{2, 2});
  attr(b.node("Concat", {"s2", "s1"}, {"cat"}, "concat"), "axis", int64_t{1});
  attr(b.node("Unsqueeze", {"cat"}, {"u"}, "unsq"), "axes", std::vector<int64_t>{0});
  attr(b.node("Squeeze", {"u"}, {"sq"}, "sq"), "axes", std::vector<int64_t>{0});
  auto& rm = b.node("ReduceMean", {"sq"}, {"mean"}, "mean");
  attr(rm, "axes", std::vector<int64_t>{2, 3});
  attr(rm, "keepdims", int64_t{0});
  b.weight("fc", {3, 4}, 3);
  attr(b.node("Gemm", {"mean", "fc"}, {"g"}, "gemm"), "transB", int64_t{1});
  b.node("Softmax", {"g"}, {"y"}, "softmax");
  b.output("y");
  return b.bytes();
}

// Applies one random edit: flip bits, overwrite with interesting bytes, insert, delete, truncate.
void mutate(std::vector<uint8_t>& bytes, std::mt19937& rng) {
  if (bytes.empty()) {
    bytes.push_back(static_cast<uint8_t>(rng()));
    return;
  }
  const size_t at = rng() % bytes.size();
  static const uint8_t kInteresting[] = {0x00, 0x01, 0x7f, 0x80, 0xff,
                                         0x08, 0x10, 0x12, 0x1a, 0x3a};
  switch (rng() % 6) {
    case 0:
      bytes[at] ^= static_cast<uint8_t>(1u << (rng() % 8));
      break;
    case 1:
      bytes[at] = kInteresting[rng() % sizeof kInteresting];
      break;
    case 2:
      bytes.insert(bytes.begin() + at, static_cast<uint8_t>(rng()));
      break;
    case 3:
      bytes.erase(bytes.begin() + at);
      break;
    case 4:
      bytes.resize(at);
      break;
    case 5: {  // duplicate a chunk (repeats protobuf fields)
      const size_t len = std::min<size_t>(1 + rng() % 64, bytes.size() - at);
      std::vector<uint8_t> chunk(bytes.begin() + at, bytes.begin() + at + len);
      bytes.insert(bytes.begin() + rng() % bytes.size(), chunk.begin(), chunk.end());
      break;
    }
  }
}

void fuzz(const std::vector<uint8_t>& seed, int iterations, uint32_t rng_seed, bool simplify,
          int* imported) {
  std::mt19937 rng(rng_seed);
  OnnxImportOptions options{simplify, simplify, "fuzz.onnx"};
  for (int i = 0; i < iterations; ++i) {
    std::vector<uint8_t> bytes = seed;
    const int edits = 1 + static_cast<int>(rng() % 4);
    for (int e = 0; e < edits; ++e) mutate(bytes, rng);
    auto m = import_onnx_bytes(bytes, "", options);
    if (m.ok()) {
      ++*imported;
      // Whatever imports must also export (or fail cleanly).
      auto out = export_onnx(m->graph);
      if (!out.ok()) EXPECT_EQ(out.status().message().find('\n'), std::string::npos);
      continue;
    }
    const std::string msg = m.status().message();
    ASSERT_EQ(msg.rfind("fuzz.onnx: ", 0), 0u) << "iteration " << i << ": " << msg;
    ASSERT_EQ(msg.find('\n'), std::string::npos) << "iteration " << i << ": " << msg;
  }
}

TEST(ImporterFuzz, MutatedSmallModel) {
  const std::vector<uint8_t> seed = seed_model();
  ASSERT_TRUE(import_onnx_bytes(seed, "").ok()) << import_onnx_bytes(seed, "").status().message();
  int imported = 0;
  fuzz(seed, 3000, 1, false, &imported);
  fuzz(seed, 1000, 2, true, &imported);
  // Some mutations hit only names or weights and still import: the fuzzer reaches deep code.
  EXPECT_GT(imported, 10);
}

TEST(ImporterFuzz, MutatedRealModel) {
  const std::string path = mconv::test::shared_models_dir() + "/mobilenet_v3_small_op11.onnx";
  MCONV_REQUIRE_SHARED_FILE(path);
  auto bytes = read_file_bytes(path);
  ASSERT_TRUE(bytes.ok());
  int imported = 0;
  fuzz(*bytes, 150, 3, false, &imported);
}

}  // namespace
}  // namespace mconv::onnx::test
