// A minimal JSON reader for tests that parse the writers' output back (objects, arrays, strings
// with the escapes the writer emits, numbers, true/false/null). Throws std::runtime_error on
// malformed input, which fails the test that called it.
#pragma once

#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace mconv::test {

struct Json {
  enum Kind { kNull, kBool, kNumber, kString, kArray, kObject } kind = kNull;
  bool boolean = false;                 // kBool
  double number = 0;                    // kNumber
  std::string text;                     // kString
  std::vector<Json> items;              // kArray
  std::map<std::string, Json> members;  // kObject

  const Json& operator[](const std::string& key) const {
    auto it = members.find(key);
    if (kind != kObject || it == members.end()) throw std::runtime_error("no member " + key);
    return it->second;
  }
  const Json& operator[](size_t i) const {
    if (kind != kArray || i >= items.size()) throw std::runtime_error("no item");
    return items[i];
  }
  bool has(const std::string& key) const { return members.count(key) != 0; }
};

class JsonReader {
 public:
  static Json parse(const std::string& text) {
    JsonReader r(text);
    Json value = r.value();
    r.space();
    if (r.pos_ != text.size()) throw std::runtime_error("trailing characters");
    return value;
  }

 private:
  explicit JsonReader(const std::string& text) : s_(text) {}
  void space() {
    while (pos_ < s_.size() &&
           (s_[pos_] == ' ' || s_[pos_] == '\n' || s_[pos_] == '\t' || s_[pos_] == '\r'))
      ++pos_;
  }
  char peek() {
    space();
    if (pos_ >= s_.size()) throw std::runtime_error("unexpected end");
    return s_[pos_];
  }
  void expect(char c) {
    if (peek() != c) throw std::runtime_error(std::string("expected ") + c);
    ++pos_;
  }
  bool literal(const char* word) {
    std::string w = word;
    if (s_.compare(pos_, w.size(), w) != 0) return false;
    pos_ += w.size();
    return true;
  }
  std::string string() {
    expect('"');
    std::string out;
    while (pos_ < s_.size() && s_[pos_] != '"') {
      char c = s_[pos_++];
      if (static_cast<unsigned char>(c) < 0x20) throw std::runtime_error("raw control character");
      if (c != '\\') {
        out += c;
        continue;
      }
      char e = s_.at(pos_++);
      switch (e) {
        case 'n':
          out += '\n';
          break;
        case 't':
          out += '\t';
          break;
        case 'r':
          out += '\r';
          break;
        case 'u':
          out += static_cast<char>(std::stoi(s_.substr(pos_, 4), nullptr, 16));
          pos_ += 4;
          break;
        default:
          out += e;
      }
    }
    expect('"');
    return out;
  }
  Json value() {
    Json j;
    char c = peek();
    if (c == '{') {
      j.kind = Json::kObject;
      ++pos_;
      if (peek() == '}') {
        ++pos_;
        return j;
      }
      for (;;) {
        std::string key = string();
        expect(':');
        j.members[key] = value();
        if (peek() == ',') {
          ++pos_;
          continue;
        }
        expect('}');
        return j;
      }
    }
    if (c == '[') {
      j.kind = Json::kArray;
      ++pos_;
      if (peek() == ']') {
        ++pos_;
        return j;
      }
      for (;;) {
        j.items.push_back(value());
        if (peek() == ',') {
          ++pos_;
          continue;
        }
        expect(']');
        return j;
      }
    }
    if (c == '"') {
      j.kind = Json::kString;
      j.text = string();
      return j;
    }
    if (literal("true") || literal("false")) {
      j.kind = Json::kBool;
      j.boolean = s_[pos_ - 1] == 'e' && s_[pos_ - 2] == 'u';
      return j;
    }
    if (literal("null")) return j;
    size_t used = 0;
    j.kind = Json::kNumber;
    j.number = std::stod(s_.substr(pos_), &used);
    pos_ += used;
    return j;
  }
  const std::string& s_;  // the text
  size_t pos_ = 0;        // read position
};

}  // namespace mconv::test
