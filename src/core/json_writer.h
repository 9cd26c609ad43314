// A tiny streaming JSON writer for machine-readable output (--json, report.json). Pretty-prints
// with two spaces of indentation; the caller is responsible for balanced begin/end calls.
#pragma once

#include <concepts>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace mconv {

class JsonWriter {
 public:
  void begin_object();
  void end_object();
  void begin_array();
  void end_array();
  // Names the next value inside an object.
  void key(std::string_view name);
  void value(std::string_view text);
  void value(const char* text) { value(std::string_view(text)); }
  void value(int64_t number);
  void value(double number);
  void value(bool flag);
  template <std::integral T>
  requires(!std::same_as<T, bool>) void value(T number) { value(static_cast<int64_t>(number)); }
  // A list of numbers on one line ("[1, 3, 224, 224]"), as shapes read best.
  void value(const std::vector<int64_t>& numbers);
  void value(const std::vector<std::string>& texts);
  void null();
  // Shorthands for key + value.
  template <typename T>
  void field(std::string_view name, const T& v) {
    key(name);
    value(v);
  }

  const std::string& str() const { return out_; }

 private:
  void before_value();
  void newline();
  std::string out_;              // the text so far
  std::vector<bool> has_items_;  // per open container: whether it already holds an item
  bool after_key_ = false;       // the next value follows "key": on the same line
};

// "a\"b" with JSON escapes (control characters as \u00XX).
std::string json_quote(std::string_view text);

}  // namespace mconv
