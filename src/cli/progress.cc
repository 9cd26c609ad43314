#include "cli/progress.h"

#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>

namespace mconv::cli {

namespace {

constexpr int kBarWidth = 28;

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

ProgressMode resolve_progress_mode(ProgressMode mode) {
  if (mode != ProgressMode::kAuto) return mode;
  if (const char* env = std::getenv("MCONV_PROGRESS")) {
    if (std::strcmp(env, "bar") == 0) return ProgressMode::kBar;
    if (std::strcmp(env, "lines") == 0) return ProgressMode::kLines;
    if (std::strcmp(env, "quiet") == 0) return ProgressMode::kQuiet;
  }
  return ::isatty(STDERR_FILENO) ? ProgressMode::kBar : ProgressMode::kQuiet;
}

Progress::Progress(std::string label, int64_t total, ProgressMode mode, FILE* out)
    : label_(std::move(label)),
      total_(total < 0 ? 0 : total),
      mode_(resolve_progress_mode(mode)),
      out_(out),
      start_(std::chrono::steady_clock::now()),
      last_draw_(start_) {
  draw(true);
}

Progress::~Progress() {
  if (!finished_) finish();
}

void Progress::advance(int64_t steps) {
  set(done_ + steps);
}

void Progress::set(int64_t done) {
  done_ = total_ > 0 ? std::min(done, total_) : done;
  draw(done_ == total_);
}

void Progress::draw(bool force) {
  if (mode_ != ProgressMode::kBar || finished_) return;
  auto now = std::chrono::steady_clock::now();
  if (!force && now - last_draw_ < std::chrono::milliseconds(100)) return;
  last_draw_ = now;
  std::string line = "\r" + label_ + " ";
  if (total_ > 0) {
    const int filled = static_cast<int>(kBarWidth * done_ / total_);
    line += "[" + std::string(filled, '#') + std::string(kBarWidth - filled, '.') + "] ";
    line += std::to_string(done_) + "/" + std::to_string(total_);
  } else {
    line += std::to_string(done_);
  }
  char elapsed[32];
  std::snprintf(elapsed, sizeof elapsed, " %.1f s", seconds_since(start_));
  line += elapsed;
  line += "\033[K";  // erase what a longer previous line left behind
  std::fputs(line.c_str(), out_);
  std::fflush(out_);
}

void Progress::finish(const std::string& note) {
  if (finished_) return;
  finished_ = true;
  if (mode_ == ProgressMode::kBar) {
    std::fputs("\r\033[K", out_);
  } else if (mode_ == ProgressMode::kLines) {
    char line[64];
    std::snprintf(line, sizeof line, " in %.1f s", seconds_since(start_));
    std::string text = label_ + ": " + std::to_string(done_) +
                       (total_ > 0 ? "/" + std::to_string(total_) : "") + line +
                       (note.empty() ? "" : " (" + note + ")") + "\n";
    std::fputs(text.c_str(), out_);
  }
  std::fflush(out_);
}

pipeline::ProgressCallback progress_bars(ProgressMode mode) {
  auto bars = std::make_shared<std::map<std::string, std::unique_ptr<Progress>>>();
  return [bars, mode](const pipeline::ProgressEvent& e) {
    auto& bar = (*bars)[e.label];
    if (!bar) bar = std::make_unique<Progress>(e.label, e.total, mode);
    bar->set(e.done);
    if (e.finished) {
      bar->finish();
      bars->erase(e.label);
    }
  };
}

}  // namespace mconv::cli
