// Progress on long steps (calibration, verification, benchmarks). On a terminal it is a bar
// redrawn in place on stderr; otherwise it stays quiet so piped output remains parseable, unless
// MCONV_PROGRESS=lines asks for one plain line per finished stage (logs, CI). Stdout is never
// touched.
#pragma once

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>

#include "pipeline/progress_callback.h"

namespace mconv::cli {

enum class ProgressMode {
  kAuto,   // bar when stderr is a TTY, else MCONV_PROGRESS (bar|lines|quiet), else quiet
  kBar,    // redrawn bar ("\r" updates), cleared when finished
  kLines,  // one line per finished stage: "label: 50/50 in 1.2 s"
  kQuiet,  // nothing
};

// The mode kAuto resolves to in this process (isatty(stderr) and MCONV_PROGRESS).
ProgressMode resolve_progress_mode(ProgressMode mode);

class Progress {
 public:
  // `total` steps (0 when unknown: the bar then shows a count only). Output goes to `out`.
  Progress(std::string label, int64_t total, ProgressMode mode = ProgressMode::kAuto,
           FILE* out = stderr);
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;
  ~Progress();  // finishes if finish() was not called

  void advance(int64_t steps = 1);
  void set(int64_t done);
  // Ends the stage: clears the bar (bar mode) or prints the summary line (lines mode). `note` is
  // appended to that line ("failed", "skipped").
  void finish(const std::string& note = "");
  ProgressMode mode() const { return mode_; }

 private:
  void draw(bool force);
  std::string label_;                                // what is in progress ("bench model.onnx")
  int64_t total_;                                    // steps expected, 0 when unknown
  int64_t done_ = 0;                                 // steps completed
  ProgressMode mode_;                                // resolved mode (never kAuto)
  FILE* out_;                                        // where to draw (stderr)
  bool finished_ = false;                            // finish() ran
  std::chrono::steady_clock::time_point start_;      // stage start
  std::chrono::steady_clock::time_point last_draw_;  // redraws are throttled to 10/s
};

// The pipeline's progress events drawn as Progress bars, one per stage label.
pipeline::ProgressCallback progress_bars(ProgressMode mode = ProgressMode::kAuto);

}  // namespace mconv::cli
