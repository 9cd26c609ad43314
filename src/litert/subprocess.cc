#include "litert/subprocess.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <map>

extern char** environ;

namespace mconv::litert {

namespace {

// The parent's environment with `overrides` applied, as "KEY=VALUE" strings.
std::vector<std::string> child_environment(
    const std::vector<std::pair<std::string, std::string>>& overrides) {
  std::map<std::string, std::string> vars;
  std::vector<std::string> order;
  for (char** e = environ; e && *e; ++e) {
    std::string entry = *e;
    size_t eq = entry.find('=');
    if (eq == std::string::npos) continue;
    std::string key = entry.substr(0, eq);
    if (!vars.count(key)) order.push_back(key);
    vars[key] = entry.substr(eq + 1);
  }
  for (const auto& [key, value] : overrides) {
    if (!vars.count(key)) order.push_back(key);
    vars[key] = value;
  }
  std::vector<std::string> out;
  for (const std::string& key : order) out.push_back(key + "=" + vars[key]);
  return out;
}

// Closes both ends of every pipe in `fds` that is still open.
void close_all(int (&fds)[2][2]) {
  for (auto& pair : fds)
    for (int& fd : pair)
      if (fd >= 0) {
        ::close(fd);
        fd = -1;
      }
}

}  // namespace

std::string find_in_path(const std::string& name) {
  if (name.find('/') != std::string::npos) return ::access(name.c_str(), X_OK) == 0 ? name : "";
  const char* path = std::getenv("PATH");
  std::string dirs = path ? path : "/usr/local/bin:/usr/bin:/bin";
  size_t start = 0;
  while (start <= dirs.size()) {
    size_t end = dirs.find(':', start);
    if (end == std::string::npos) end = dirs.size();
    std::string dir = dirs.substr(start, end - start);
    if (dir.empty()) dir = ".";
    std::string candidate = dir + "/" + name;
    struct stat st;
    if (::stat(candidate.c_str(), &st) == 0 && S_ISREG(st.st_mode) &&
        ::access(candidate.c_str(), X_OK) == 0)
      return candidate;
    start = end + 1;
  }
  return "";
}

Expected<ProcessResult> run_process(const std::vector<std::string>& argv,
                                    const ProcessOptions& options) {
  if (argv.empty()) return Status::Error("run_process: empty command");
  // Checked up front: some posix_spawn implementations (vfork emulations, valgrind) report a
  // missing program only as a child exiting with 127.
  if (::access(argv[0].c_str(), X_OK) != 0)
    return Status::Error("cannot start " + argv[0] + ": " + std::strerror(errno));
  int fds[2][2] = {{-1, -1}, {-1, -1}};  // [stdout, stderr][read, write]
  for (auto& pair : fds)
    if (::pipe2(pair, O_CLOEXEC) != 0) {
      close_all(fds);
      return Status::Error(std::string("cannot create a pipe: ") + std::strerror(errno));
    }

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  if (options.stdin_fd >= 0)
    posix_spawn_file_actions_adddup2(&actions, options.stdin_fd, 0);
  else
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, fds[0][1], 1);
  posix_spawn_file_actions_adddup2(&actions, fds[1][1], 2);

  std::vector<std::string> env = child_environment(options.env);
  std::vector<char*> c_argv, c_env;
  for (const std::string& a : argv) c_argv.push_back(const_cast<char*>(a.c_str()));
  c_argv.push_back(nullptr);
  for (const std::string& e : env) c_env.push_back(const_cast<char*>(e.c_str()));
  c_env.push_back(nullptr);

  const auto start = std::chrono::steady_clock::now();
  pid_t pid = -1;
  int spawn_error =
      ::posix_spawn(&pid, argv[0].c_str(), &actions, nullptr, c_argv.data(), c_env.data());
  posix_spawn_file_actions_destroy(&actions);
  ::close(fds[0][1]);
  ::close(fds[1][1]);
  fds[0][1] = fds[1][1] = -1;
  if (spawn_error != 0) {
    close_all(fds);
    return Status::Error("cannot start " + argv[0] + ": " + std::strerror(spawn_error));
  }

  ProcessResult result;
  std::string* sinks[2] = {&result.out, &result.err};
  const auto deadline =
      start + std::chrono::milliseconds(static_cast<int64_t>(options.timeout_seconds * 1000));
  char buffer[65536];
  while (fds[0][0] >= 0 || fds[1][0] >= 0) {
    pollfd polls[2];
    int count = 0;
    int which[2];
    for (int s = 0; s < 2; ++s)
      if (fds[s][0] >= 0) {
        polls[count] = {fds[s][0], POLLIN, 0};
        which[count++] = s;
      }
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                    deadline - std::chrono::steady_clock::now())
                    .count();
    if (left <= 0) {
      result.timed_out = true;
      ::kill(pid, SIGKILL);
      break;
    }
    int ready = ::poll(polls, count, static_cast<int>(std::min<int64_t>(left, 1000)));
    if (ready < 0 && errno != EINTR) break;
    for (int i = 0; i < count && ready > 0; ++i) {
      if (!(polls[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      ssize_t n = ::read(polls[i].fd, buffer, sizeof buffer);
      int s = which[i];
      if (n > 0) {
        size_t room =
            options.max_output_bytes - std::min(options.max_output_bytes, sinks[s]->size());
        sinks[s]->append(buffer, std::min(static_cast<size_t>(n), room));
      } else if (n == 0 || (n < 0 && errno != EINTR && errno != EAGAIN)) {
        ::close(fds[s][0]);
        fds[s][0] = -1;
      }
    }
  }
  close_all(fds);

  // The child may close its output and keep running: wait for it, still under the deadline.
  int status = 0;
  rusage usage{};
  for (;;) {
    pid_t done = ::wait4(pid, &status, WNOHANG, &usage);
    if (done == pid || (done < 0 && errno != EINTR)) break;
    if (done == 0 && std::chrono::steady_clock::now() >= deadline && !result.timed_out) {
      result.timed_out = true;
      ::kill(pid, SIGKILL);
    }
    if (done == 0) ::usleep(2000);
  }
  result.wall_ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  result.peak_rss_bytes = static_cast<int64_t>(usage.ru_maxrss) * 1024;  // Linux: kilobytes
  if (WIFEXITED(status))
    result.exit_code = WEXITSTATUS(status);
  else if (WIFSIGNALED(status))
    result.exit_code = 128 + WTERMSIG(status);
  return result;
}

}  // namespace mconv::litert
