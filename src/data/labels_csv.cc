// labels.csv parsing (see dataset.h for the format).
#include <charconv>
#include <string_view>

#include "core/file_io.h"
#include "data/dataset.h"

namespace mconv {
namespace {

// A labels file larger than this is certainly not one.
constexpr uint64_t kMaxLabelsFileBytes = 64ull << 20;

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t' || text.back() == '\r')) {
    text.remove_suffix(1);
  }
  return text;
}

// Drops one pair of surrounding double quotes (spreadsheet exports quote text fields).
std::string_view unquote(std::string_view text) {
  if (text.size() >= 2 && text.front() == '"' && text.back() == '"') {
    text = text.substr(1, text.size() - 2);
  }
  return text;
}

// A whole-field non-negative int; nullopt otherwise.
std::optional<int> parse_label(std::string_view text) {
  int value = -1;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size() || value < 0) return std::nullopt;
  return value;
}

}  // namespace

Expected<std::map<std::string, int>> read_labels_csv(const std::string& path) {
  MCONV_ASSIGN_OR_RETURN(std::vector<uint8_t> bytes, read_file_bytes(path, kMaxLabelsFileBytes));
  std::string_view text(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  if (text.starts_with("\xEF\xBB\xBF")) text.remove_prefix(3);  // UTF-8 byte-order mark

  std::map<std::string, int> labels;
  bool seen_content = false;
  size_t line_number = 0;
  while (!text.empty()) {
    const size_t newline = text.find('\n');
    std::string_view line = trim(text.substr(0, newline));
    text.remove_prefix(newline == std::string_view::npos ? text.size() : newline + 1);
    ++line_number;
    if (line.empty()) continue;
    const bool first_content_line = !seen_content;
    seen_content = true;

    const std::string where = path + ":" + std::to_string(line_number);
    const size_t first_comma = line.find(',');
    if (first_comma == std::string_view::npos) {
      return Status::Error(where + ": expected 'filename,...,label', got '" + std::string(line) +
                           "'");
    }
    const std::string_view label_field = unquote(trim(line.substr(line.rfind(',') + 1)));
    const std::optional<int> label = parse_label(label_field);
    if (!label) {
      if (first_content_line) continue;  // header line ("filename,synset,label")
      return Status::Error(where + ": label '" + std::string(label_field) +
                           "' is not a non-negative integer");
    }
    std::string_view name = unquote(trim(line.substr(0, first_comma)));
    // Entries may carry a directory ("val/x.jpg"); images are matched by their file name.
    if (const size_t slash = name.rfind('/'); slash != std::string_view::npos) {
      name.remove_prefix(slash + 1);
    }
    if (name.empty()) return Status::Error(where + ": empty file name");
    if (!labels.emplace(std::string(name), *label).second) {
      return Status::Error(where + ": '" + std::string(name) + "' is listed twice");
    }
  }
  return labels;
}

}  // namespace mconv
