// Every shared torch.save checkpoint (torch 1.13 / torchvision 0.14, seeded weights) is recognised
// without --arch, built in the IR and gives torch's eval-mode outputs for the shared input.npy
// within 1e-4 relative (max abs diff / max |torch|), in the reference interpreter and, exported
// to ONNX, in ONNX Runtime.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "core/npy.h"
#include "onnx/onnx_exporter.h"
#include "ort/ort_session.h"
#include "runtime/interpreter.h"
#include "support/test_support.h"
#include "support/test_tensors.h"
#include "torch/torch_importer.h"

namespace mconv::torch {
namespace {

struct SharedCheckpoint {
  const char* file;       // under data/models/pth
  const char* arch;       // what manifest.json says
  int64_t classes;        // ditto
  const char* container;  // "zip" / "legacy"
};
constexpr SharedCheckpoint kCheckpoints[] = {
    {"mobilenet_v3_small", "mobilenet_v3_small", 1000, "zip"},
    {"mobilenet_v3_small_10cls", "mobilenet_v3_small", 10, "zip"},
    {"mobilenet_v3_large_fp16", "mobilenet_v3_large", 1000, "zip"},
    {"mobilenet_v2_legacy", "mobilenet_v2", 1000, "legacy"},
    {"resnet18_fp16", "resnet18", 1000, "zip"},
    {"efficientnet_b0_fp16", "efficientnet_b0", 1000, "zip"},
    {"shufflenet_v2_x0_5_ckpt", "shufflenet_v2_x0_5", 1000, "zip"},
    {"squeezenet1_1", "squeezenet1_1", 1000, "zip"},
    {"mnasnet0_5", "mnasnet0_5", 1000, "zip"},
};

std::string pth_dir() {
  return test::shared_models_dir() + "/pth/";
}

using mconv::test::batch_row;
using mconv::test::relative_diff;

class SharedCheckpoints : public ::testing::TestWithParam<SharedCheckpoint> {};

TEST_P(SharedCheckpoints, MatchTorchInTheInterpreterAndOnnxRuntime) {
  const SharedCheckpoint& c = GetParam();
  const std::string path = pth_dir() + c.file + ".pth";
  MCONV_REQUIRE_SHARED_FILE(path);
  TorchCheckpointInfo info;
  auto model = import_torch_file(path, {}, &info);
  ASSERT_TRUE(model.ok()) << model.status().message();
  EXPECT_EQ(info.arch, c.arch);
  EXPECT_EQ(info.classes, c.classes);
  EXPECT_EQ(info.container, c.container);
  auto input = read_npy(pth_dir() + "input.npy");
  auto expected = read_npy(pth_dir() + c.file + "_torch.npy");
  ASSERT_TRUE(input.ok() && expected.ok());
  ASSERT_EQ(expected->shape(), (std::vector<int64_t>{2, c.classes}));

  auto interpreter = runtime::Interpreter::Create(model->graph);
  ASSERT_TRUE(interpreter.ok()) << interpreter.status().message();
  auto onnx_bytes = onnx::export_onnx(model->graph);
  ASSERT_TRUE(onnx_bytes.ok()) << onnx_bytes.status().message();
  auto session = ort::OrtSession::LoadBytes(*onnx_bytes);
  ASSERT_TRUE(session.ok()) << session.status().message();
  for (int64_t row = 0; row < 2; ++row) {
    const std::vector<float> want = batch_row(*expected, row).to_f32();
    auto ours = (*interpreter)->run({batch_row(*input, row)});
    ASSERT_TRUE(ours.ok()) << ours.status().message();
    const double ref_diff = relative_diff((*ours)[0].to_f32(), want);
    EXPECT_LT(ref_diff, 1e-4) << c.file << " row " << row << " (reference interpreter)";
    auto ort_out = (*session)->run({batch_row(*input, row)});
    ASSERT_TRUE(ort_out.ok()) << ort_out.status().message();
    const double ort_diff = relative_diff((*ort_out)[0].to_f32(), want);
    EXPECT_LT(ort_diff, 1e-4) << c.file << " row " << row << " (ONNX Runtime)";
    std::printf("%-26s row %lld: relative diff interpreter %.2e, ONNX Runtime %.2e\n", c.file,
                static_cast<long long>(row), ref_diff, ort_diff);
  }
}

INSTANTIATE_TEST_SUITE_P(Pth, SharedCheckpoints, ::testing::ValuesIn(kCheckpoints),
                         [](const auto& info) { return std::string(info.param.file); });

}  // namespace
}  // namespace mconv::torch
