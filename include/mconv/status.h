// mconv public API: errors as values. Every call returns a Status or a Result<T>; nothing throws.
// A failed Status carries one line naming the file, node or op at fault, e.g.
// "model.onnx: node 'conv3' (Conv): kernel rank 5 is not supported".
#pragma once

#include <optional>
#include <string>
#include <utility>

namespace mconv::api {

class Status {
 public:
  Status() = default;  // success
  static Status Ok() { return Status(); }
  static Status Error(std::string message) {
    Status s;
    s.failed_ = true;
    s.message_ = std::move(message);
    return s;
  }
  bool ok() const { return !failed_; }
  const std::string& message() const { return message_; }

 private:
  bool failed_ = false;
  std::string message_;
};

// A value or the Status saying why there is none.
template <typename T>
class Result {
 public:
  Result(T value) : value_(std::move(value)) {}  // NOLINT: implicit, like std::optional
  Result(Status status) : status_(std::move(status)) {
    if (status_.ok()) status_ = Status::Error("mconv: a Result was built from an Ok status");
  }
  bool ok() const { return value_.has_value(); }
  const Status& status() const { return status_; }
  // Only when ok().
  T& value() { return *value_; }
  const T& value() const { return *value_; }
  T& operator*() { return *value_; }
  const T& operator*() const { return *value_; }
  T* operator->() { return &*value_; }
  const T* operator->() const { return &*value_; }

 private:
  std::optional<T> value_;
  Status status_;
};

}  // namespace mconv::api
