// Google's own full-int8 MobileNetV3-Small (TF-Hub, `unit` preset, 1001 classes with background
// at 0) on a slice of an image folder, in LiteRT: the line printed beside mconv's precision table
// so mconv's int8 can be judged against what Google ships.
//
//   mconv_bench_tfhub MODEL.tflite IMAGES_DIR [--offset K] [--count N] [--reference FP32.tflite
//                     --reference-preset keras]
// With --reference, top-1 agreement with that model (classes aligned past the background) too.
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "data/dataset.h"
#include "data/preprocess.h"
#include "litert/litert.h"
#include "report/metrics.h"

namespace {

using namespace mconv;

Expected<Tensor> run_litert(const std::string& model, const Tensor& batch) {
  litert::LiteRtOptions options;
  options.engine = "auto";  // XNNPACK rejects the TF-Hub file; tfjs-tflite runs it
  MCONV_ASSIGN_OR_RETURN(std::vector<Tensor> out, litert::litert_run(model, {batch}, options));
  return out.at(0).dtype() == DType::kF32 ? out.at(0) : out.at(0).cast(DType::kF32);
}

// Scores [N, C+1] without the background column.
Tensor drop_background(const Tensor& scores) {
  const int64_t n = scores.dim(0), c = scores.dim(1) - 1;
  Tensor out(DType::kF32, {n, c});
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < c; ++j)
      out.data<float>()[i * c + j] = scores.data<float>()[i * (c + 1) + j + 1];
  return out;
}

int fail(const std::string& what, const Status& s) {
  std::fprintf(stderr, "mconv_bench_tfhub: %s: %s\n", what.c_str(), s.message().c_str());
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr,
                 "usage: mconv_bench_tfhub MODEL.tflite IMAGES_DIR [--offset K] [--count N] "
                 "[--reference FP32.tflite --reference-preset P]\n");
    return 2;
  }
  const std::string model = argv[1], dir = argv[2];
  size_t offset = 100, count = 400;
  std::string reference, reference_preset = "keras";
  for (int i = 3; i + 1 < argc; i += 2) {
    const std::string flag = argv[i], value = argv[i + 1];
    if (flag == "--offset") offset = std::stoul(value);
    if (flag == "--count") count = std::stoul(value);
    if (flag == "--reference") reference = value;
    if (flag == "--reference-preset") reference_preset = value;
  }
  auto all = list_image_folder(dir);
  if (!all.ok()) return fail(dir, all.status());
  auto some = select_images(*all, offset, count);
  if (!some.ok()) return fail(dir, some.status());
  std::vector<int64_t> labels;
  for (int l : image_labels(*some)) labels.push_back(l);

  auto batch = load_image_batch(*some, make_preprocess(PreprocessPreset::kUnit, ImageLayout::kNHWC), 2);
  if (!batch.ok()) return fail(dir, batch.status());
  auto scores = run_litert(model, *batch);
  if (!scores.ok()) return fail(model, scores.status());
  auto acc = report::accuracy(*scores, labels, 1);
  if (!acc.ok()) return fail(model, acc.status());
  std::printf("| TF-Hub int8 (Google) | %s | %.1f KiB | %.2f%% | %.2f%% |",
              std::filesystem::path(model).filename().c_str(),
              static_cast<double>(std::filesystem::file_size(model)) / 1024.0, acc->top1 * 100,
              acc->top5 * 100);
  if (!reference.empty()) {
    auto preset = preset_from_name(reference_preset);
    if (!preset.ok()) return fail(reference_preset, preset.status());
    auto ref_batch = load_image_batch(*some, make_preprocess(*preset, ImageLayout::kNHWC), 2);
    if (!ref_batch.ok()) return fail(dir, ref_batch.status());
    auto ref = run_litert(reference, *ref_batch);
    if (!ref.ok()) return fail(reference, ref.status());
    auto cmp = report::compare_outputs(drop_background(*scores), *ref);
    if (!cmp.ok()) return fail(reference, cmp.status());
    std::printf(" %.2f%% |", cmp->top1_agreement * 100);
  }
  std::printf("\n");
  return 0;
}
