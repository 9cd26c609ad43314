#include "report/format.h"

#include <cstdio>

namespace mconv::report {

std::string format_bytes(int64_t bytes) {
  const char* units[] = {"B", "KiB", "MiB", "GiB"};
  double value = static_cast<double>(bytes);
  int unit = 0;
  while (value >= 1024 && unit < 3) {
    value /= 1024;
    ++unit;
  }
  char buf[32];
  if (unit == 0)
    std::snprintf(buf, sizeof buf, "%lld B", static_cast<long long>(bytes));
  else
    std::snprintf(buf, sizeof buf, "%.1f %s", value, units[unit]);
  return buf;
}

std::string format_percent(const std::optional<double>& fraction) {
  if (!fraction) return "n/a";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f%%", *fraction * 100);
  return buf;
}

std::string format_number(const std::optional<double>& value, const char* format) {
  if (!value) return "n/a";
  char buf[64];
  std::snprintf(buf, sizeof buf, format, *value);
  return buf;
}

std::string format_display_name(const std::string& format) {
  if (format == "onnx") return "ONNX";
  if (format == "tflite") return "TFLite";
  if (format.starts_with("pytorch:")) return "PyTorch checkpoint (" + format.substr(8) + ")";
  return format;
}

}  // namespace mconv::report
