// Number formatting shared by the report writers, so the table, the JSON and the chart agree.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace mconv::report {

// "9.7 MiB", "512 B".
std::string format_bytes(int64_t bytes);
// "81.6%" for 0.816; "n/a" when absent.
std::string format_percent(const std::optional<double>& fraction);
// printf-style with "n/a" for an absent value.
std::string format_number(const std::optional<double>& value, const char* format);
// "ONNX" / "TFLite" for "onnx" / "tflite" (anything else unchanged).
std::string format_display_name(const std::string& format);

}  // namespace mconv::report
