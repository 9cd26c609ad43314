#include "litert/litert_stream.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <sstream>

#include "core/npy.h"

namespace mconv::litert {
namespace {

// The last non-empty line of `text`.
std::string last_line(const std::string& text) {
  std::istringstream lines(text);
  std::string line, last;
  while (std::getline(lines, line))
    if (!line.empty()) last = line;
  return last;
}

bool bad_path(const std::string& p) {
  return p.find_first_of("\t\n") != std::string::npos;
}

}  // namespace

Expected<std::unique_ptr<LiteRtStream>> LiteRtStream::Start(const LiteRtOptions& options) {
  MCONV_ASSIGN_OR_RETURN(LiteRtLocation where, locate_litert());
  const char* tmp = std::getenv("TMPDIR");
  std::string pattern = std::string(tmp && *tmp ? tmp : "/tmp") + "/mconv-litert-XXXXXX";
  if (!::mkdtemp(pattern.data()))
    return Status::Error("cannot create a temporary directory from " + pattern);
  std::unique_ptr<LiteRtStream> stream(new LiteRtStream());
  stream->dir_ = pattern;
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0)
    return Status::Error(std::string("cannot create a pipe: ") + std::strerror(errno));
  stream->child_stdin_ = fds[0];
  stream->job_fd_ = fds[1];
  std::vector<std::string> argv = {where.node,
                                   "--experimental-wasm-relaxed-simd",
                                   where.script,
                                   "batch",
                                   "-",
                                   "--engine",
                                   options.engine,
                                   "--threads",
                                   std::to_string(options.threads)};
  ProcessOptions process;
  process.env = {{"MCONV_LITERT_HOME", where.home}};
  process.timeout_seconds = options.timeout_seconds;
  process.stdin_fd = stream->child_stdin_;
  LiteRtStream* self = stream.get();
  stream->runner_ =
      std::thread([self, argv, process] { self->result_ = run_process(argv, process); });
  return stream;
}

LiteRtStream::~LiteRtStream() {
  if (!finished_) finish();
  std::error_code ec;
  if (!dir_.empty()) std::filesystem::remove_all(dir_, ec);
}

void LiteRtStream::close_input() {
  if (job_fd_ >= 0) ::close(job_fd_);
  job_fd_ = -1;
}

Expected<std::string> LiteRtStream::write_input(const std::string& name, const Tensor& t) {
  const std::string path = dir_ + "/" + name + ".npy";
  if (bad_path(path)) return Status::Error(path + ": paths with tabs or newlines cannot be queued");
  MCONV_RETURN_IF_ERROR(write_npy(path, t));
  return path;
}

Expected<size_t> LiteRtStream::add(const std::string& model_path,
                                   const std::vector<std::string>& input_paths) {
  if (job_fd_ < 0) return Status::Error("LiteRT stream already finished");
  const size_t index = models_.size();
  std::string line = model_path + '\t' + dir_ + "/out" + std::to_string(index);
  for (const std::string& in : input_paths) line += '\t' + in;
  if (bad_path(model_path) || line.find('\n') != std::string::npos)
    return Status::Error(model_path + ": paths with tabs or newlines cannot be queued");
  line += '\n';
  for (size_t done = 0; done < line.size();) {
    const ssize_t n = ::write(job_fd_, line.data() + done, line.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0)
      return Status::Error("cannot queue " + model_path + " for LiteRT: " + std::strerror(errno));
    done += static_cast<size_t>(n);
  }
  models_.push_back(model_path);
  return index;
}

std::vector<Expected<std::vector<Tensor>>> LiteRtStream::finish() {
  std::vector<Expected<std::vector<Tensor>>> out;
  if (finished_) return out;
  finished_ = true;
  close_input();
  if (runner_.joinable()) runner_.join();
  if (child_stdin_ >= 0) ::close(child_stdin_);
  child_stdin_ = -1;
  out.assign(models_.size(), Status::Error("LiteRT runner did not report this job"));
  if (!result_.ok()) {
    for (auto& job : out) job = result_.status();
    return out;
  }
  if (result_->timed_out) {
    for (auto& job : out) job = Status::Error("LiteRT runner did not finish in time (killed)");
    return out;
  }
  std::istringstream lines(result_->out);
  std::string line;
  while (std::getline(lines, line)) {
    const bool ok = line.rfind("OK ", 0) == 0;
    if (!ok && line.rfind("FAIL ", 0) != 0) continue;
    const std::string rest = line.substr(ok ? 3 : 5);
    const size_t space = rest.find(' ');
    const size_t k = std::strtoul(rest.substr(0, space).c_str(), nullptr, 10);
    if (k >= out.size()) continue;
    const std::string message = space == std::string::npos ? "" : rest.substr(space + 1);
    if (!ok) {
      // The runner prefixes the model path; the caller names the model itself.
      std::string reason = message;
      if (reason.rfind(models_[k] + ": ", 0) == 0) reason = reason.substr(models_[k].size() + 2);
      out[k] = Status::Error("LiteRT: " + reason);
      continue;
    }
    const size_t at = message.find("outputs=");
    const int count = at == std::string::npos ? 0 : std::atoi(message.c_str() + at + 8);
    std::vector<Tensor> tensors;
    Status read = Status::Ok();
    for (int i = 0; i < count && read.ok(); ++i) {
      auto t = read_npy(dir_ + "/out" + std::to_string(k) + "." + std::to_string(i) + ".npy");
      if (t.ok())
        tensors.push_back(std::move(t).value());
      else
        read = t.status();
    }
    if (!read.ok())
      out[k] = read;
    else
      out[k] = std::move(tensors);
  }
  // Jobs the runner never reported: it died; say how.
  const std::string why = last_line(result_->err);
  for (auto& job : out)
    if (!job.ok() && job.status().message() == "LiteRT runner did not report this job")
      job = Status::Error("LiteRT runner failed (exit " + std::to_string(result_->exit_code) + ")" +
                          (why.empty() ? "" : ": " + why));
  return out;
}

}  // namespace mconv::litert
