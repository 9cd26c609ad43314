// How the pipeline's long steps (reference outputs, verification runs) tell their caller how far
// they are. The library never writes to a terminal: a caller that wants a bar passes a callback
// (the command line's draws cli/progress.h bars), a caller that passes none hears nothing.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <utility>

namespace mconv::pipeline {

struct ProgressEvent {
  const std::string& label;  // the stage ("reference outputs")
  int64_t done = 0;          // steps completed
  int64_t total = 0;         // steps expected (0 when unknown)
  bool finished = false;     // the stage ended (the last event of this label)
};
using ProgressCallback = std::function<void(const ProgressEvent&)>;

// One stage reported through an optional callback: every advance() and the final finish() (also
// run by the destructor) become events.
class ProgressStage {
 public:
  ProgressStage(const ProgressCallback& callback, std::string label, int64_t total)
      : callback_(callback), label_(std::move(label)), total_(total) {
    emit(false);
  }
  ProgressStage(const ProgressStage&) = delete;
  ProgressStage& operator=(const ProgressStage&) = delete;
  ~ProgressStage() { finish(); }

  void advance() {
    ++done_;
    emit(false);
  }
  void finish() {
    if (finished_) return;
    finished_ = true;
    emit(true);
  }

 private:
  void emit(bool finished) {
    if (callback_)
      callback_({.label = label_, .done = done_, .total = total_, .finished = finished});
  }
  const ProgressCallback& callback_;
  std::string label_;
  int64_t total_;
  int64_t done_ = 0;
  bool finished_ = false;
};

}  // namespace mconv::pipeline
