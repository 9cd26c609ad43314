// Errors are values: every fallible function returns Status or Expected<T>, never throws across a
// part boundary. A Status message is one line meant for the user ("file.onnx: node 'Conv_3' (Conv):
// weight rank 3, expected 4").
#pragma once

#include <cassert>
#include <optional>
#include <string>
#include <utility>
#include <variant>

namespace mconv {

class [[nodiscard]] Status {
 public:
  Status() = default;
  static Status Ok() { return Status(); }
  static Status Error(std::string message) { return Status(std::move(message), true); }

  bool ok() const { return !failed_; }
  const std::string& message() const { return message_; }

  // Prefixes the message with context ("model.onnx: "), keeping success untouched.
  Status with_context(const std::string& context) const {
    return ok() ? *this : Error(context + ": " + message_);
  }

 private:
  Status(std::string message, bool failed) : message_(std::move(message)), failed_(failed) {}
  std::string message_;
  bool failed_ = false;
};

// A value or the Status explaining why there is none (a small std::expected for C++20).
template <typename T>
class [[nodiscard]] Expected {
 public:
  Expected(T value) : state_(std::move(value)) {}                           // NOLINT
  Expected(Status error) : state_(std::move(error)) { assert(!std::get<Status>(state_).ok()); }  // NOLINT

  bool ok() const { return state_.index() == 0; }
  explicit operator bool() const { return ok(); }
  T& value() & { return std::get<T>(state_); }
  const T& value() const& { return std::get<T>(state_); }
  T&& value() && { return std::get<T>(std::move(state_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  Status status() const { return ok() ? Status::Ok() : std::get<Status>(state_); }

 private:
  std::variant<T, Status> state_;
};

}  // namespace mconv

// Propagates a failed Status/Expected to the caller.
#define MCONV_CONCAT_INNER(a, b) a##b
#define MCONV_CONCAT(a, b) MCONV_CONCAT_INNER(a, b)
#define MCONV_RETURN_IF_ERROR(expr)                 \
  do {                                              \
    ::mconv::Status _mconv_status = (expr);         \
    if (!_mconv_status.ok()) return _mconv_status;  \
  } while (0)
#define MCONV_ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                                \
  if (!tmp.ok()) return tmp.status();               \
  lhs = std::move(tmp).value()
#define MCONV_ASSIGN_OR_RETURN(lhs, expr) \
  MCONV_ASSIGN_OR_RETURN_IMPL(MCONV_CONCAT(_mconv_expected_, __LINE__), lhs, expr)
