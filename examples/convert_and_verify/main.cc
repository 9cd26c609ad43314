// convert_and_verify SOURCE OUT.tflite CALIB_DIR
//
// Converts SOURCE (ONNX, TFLite or a PyTorch checkpoint) to an INT8 TFLite file calibrated on the
// images in CALIB_DIR, then verifies the file against SOURCE on the same images in its runtime.
// Prints the agreement and the file's latency in that runtime; exits 0 when the file is within
// the int8 tolerance, 1 otherwise.
#include <cstdio>

#include "mconv/mconv.h"

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: %s SOURCE OUT.tflite CALIB_DIR\n", argv[0]);
    return 2;
  }
  const std::string source = argv[1], output = argv[2], images = argv[3];

  mconv::api::ConvertOptions convert_options;
  convert_options.precision = mconv::api::Precision::kInt8;
  convert_options.calibration.images_dir = images;
  auto converted = mconv::api::convert(source, output, convert_options);
  if (!converted.ok()) {
    std::fprintf(stderr, "convert: %s\n", converted.status().message().c_str());
    return 1;
  }
  std::printf("wrote %s (%s %s, %llu bytes, calibrated on %lld images)\n", output.c_str(),
              mconv::api::format_name(converted->format),
              mconv::api::precision_name(converted->precision),
              static_cast<unsigned long long>(converted->file_bytes),
              static_cast<long long>(converted->calibration_images));

  mconv::api::VerifyOptions verify_options;
  verify_options.images_dir = images;
  auto verified = mconv::api::verify(output, source, verify_options);
  if (!verified.ok()) {
    std::fprintf(stderr, "verify: %s\n", verified.status().message().c_str());
    return 1;
  }
  const mconv::api::VerifyResult& v = *verified;
  std::printf("runtime      %s\n", v.runtime.c_str());
  std::printf("agreement    top-1 %.1f%% over %lld images, cosine mean %.4f (min %.4f)\n",
              v.top1_agreement * 100, static_cast<long long>(v.samples), v.cosine_mean,
              v.cosine_min);
  if (v.top1_accuracy && v.reference_top1_accuracy)
    std::printf("accuracy     top-1 %.1f%% (source %.1f%%)\n", *v.top1_accuracy * 100,
                *v.reference_top1_accuracy * 100);
  std::printf("verdict      %s\n", v.passed ? "PASS" : "FAILED");
  for (const std::string& reason : v.reasons) std::printf("             %s\n", reason.c_str());

  mconv::api::BenchOptions bench_options;
  bench_options.runs = 20;
  auto latency = mconv::api::bench(output, bench_options);
  if (!latency.ok()) {
    std::fprintf(stderr, "bench: %s\n", latency.status().message().c_str());
    return 1;
  }
  std::printf("latency      p50 %.2f ms, p90 %.2f ms, mean %.2f ms (%s, %d runs, %d thread)\n",
              latency->p50_ms, latency->p90_ms, latency->mean_ms, latency->runtime.c_str(),
              latency->runs, latency->threads);
  return v.passed ? 0 : 1;
}
