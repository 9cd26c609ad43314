#include "report/report.h"

#include <cstdio>
#include <filesystem>

#include "core/file_io.h"

namespace mconv::report {

std::string_view verdict_name(Verdict verdict) {
  return verdict == Verdict::kPass ? "PASS" : "FAILED";
}

bool ConversionReport::all_passed() const {
  for (const VariantReport& v : variants)
    if (v.verdict != Verdict::kPass) return false;
  return true;
}

std::string tensor_text(const TensorSpec& tensor) {
  std::string text = std::string(dtype_name(tensor.dtype)) + "[";
  for (size_t i = 0; i < tensor.shape.size(); ++i)
    text +=
        (i ? "," : "") + (tensor.shape[i] < 0 ? std::string("?") : std::to_string(tensor.shape[i]));
  text += "]";
  if (!tensor.layout.empty()) text += " " + tensor.layout;
  return text;
}

Tolerance default_tolerance(const std::string& precision) {
  if (precision == "fp16") return {.min_top1_agreement = 0.98, .min_cosine = 0.999};
  if (precision == "int8") return {.min_top1_agreement = 0.80, .min_cosine = 0.98};
  return {.min_top1_agreement = 0.99, .min_cosine = 0.9999};
}

void apply_tolerance(VariantReport& variant, const Tolerance& tolerance) {
  if (variant.verdict == Verdict::kFailed) return;
  std::string reasons;
  auto check = [&](const std::optional<double>& value, double minimum, const char* what,
                   const char* format) {
    if (!value || *value >= minimum) return;
    char buf[128];
    std::snprintf(buf, sizeof buf, format, what, *value, minimum);
    reasons += (reasons.empty() ? "" : "; ") + std::string(buf);
  };
  check(variant.top1_agreement, tolerance.min_top1_agreement, "top-1 agreement", "%s %.4f < %.4f");
  check(variant.cosine, tolerance.min_cosine, "cosine", "%s %.6f < %.6f");
  if (!reasons.empty()) {
    variant.verdict = Verdict::kFailed;
    variant.reason = reasons;
  }
}

Status write_report(const ConversionReport& report, const std::string& dir) {
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec))
    return Status::Error(dir + ": report directory does not exist");
  const std::pair<const char*, std::string> files[] = {
      {kReportMarkdown, render_markdown(report)},
      {kReportJson, render_json(report)},
      {kReportChart, render_svg(report)},
  };
  for (const auto& [name, text] : files)
    MCONV_RETURN_IF_ERROR(write_file_atomic(dir + "/" + name, text));
  return Status::Ok();
}

}  // namespace mconv::report
