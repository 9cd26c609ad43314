#include "litert/litert.h"

#include <stdlib.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "core/npy.h"
#include "litert/subprocess.h"

namespace mconv::litert {

namespace {

namespace fs = std::filesystem;

std::string env_or(const char* name, const std::string& fallback) {
  const char* value = std::getenv(name);
  return value && *value ? std::string(value) : fallback;
}

// A private directory under $TMPDIR (or /tmp), removed with everything in it when destroyed.
class TempDir {
 public:
  static Expected<TempDir> Create() {
    std::string pattern = env_or("TMPDIR", "/tmp") + "/mconv-litert-XXXXXX";
    if (!::mkdtemp(pattern.data()))
      return Status::Error("cannot create a temporary directory from " + pattern);
    return TempDir(pattern);
  }
  TempDir(TempDir&& other) noexcept : path_(std::move(other.path_)) { other.path_.clear(); }
  TempDir(const TempDir&) = delete;
  ~TempDir() {
    std::error_code ec;
    if (!path_.empty()) fs::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }

 private:
  explicit TempDir(std::string path) : path_(std::move(path)) {}
  std::string path_;  // the directory; empty after a move
};

std::vector<std::string> split(const std::string& text, char sep) {
  std::vector<std::string> parts;
  size_t start = 0;
  for (;;) {
    size_t end = text.find(sep, start);
    parts.push_back(text.substr(start, end == std::string::npos ? std::string::npos : end - start));
    if (end == std::string::npos) return parts;
    start = end + 1;
  }
}

std::vector<int64_t> parse_ints(const std::string& csv) {
  std::vector<int64_t> out;
  if (csv.empty()) return out;
  for (const std::string& s : split(csv, ',')) out.push_back(std::strtoll(s.c_str(), nullptr, 10));
  return out;
}

std::vector<float> parse_floats(const std::string& csv) {
  std::vector<float> out;
  if (csv.empty()) return out;
  for (const std::string& s : split(csv, ',')) out.push_back(std::strtof(s.c_str(), nullptr));
  return out;
}

// The last non-empty line of `text` (stderr's final words usually say what went wrong).
std::string last_line(const std::string& text) {
  std::vector<std::string> lines = split(text, '\n');
  for (auto it = lines.rbegin(); it != lines.rend(); ++it)
    if (!it->empty()) return *it;
  return "";
}

// key=value tokens of an "OK k ..." line.
std::map<std::string, std::string> key_values(const std::string& line) {
  std::map<std::string, std::string> out;
  std::istringstream tokens(line);
  std::string token;
  while (tokens >> token) {
    size_t eq = token.find('=');
    if (eq != std::string::npos) out[token.substr(0, eq)] = token.substr(eq + 1);
  }
  return out;
}

// node [flags] script <args...> with the environment that points the script at `home`.
Expected<ProcessResult> run_runner(const LiteRtLocation& where,
                                   const std::vector<std::string>& args, double timeout_seconds) {
  std::vector<std::string> argv = {where.node, "--experimental-wasm-relaxed-simd", where.script};
  argv.insert(argv.end(), args.begin(), args.end());
  ProcessOptions options;
  options.env = {{"MCONV_LITERT_HOME", where.home}};
  options.timeout_seconds = timeout_seconds;
  MCONV_ASSIGN_OR_RETURN(ProcessResult result, run_process(argv, options));
  if (result.timed_out)
    return Status::Error("LiteRT runner did not finish within " +
                         std::to_string(static_cast<int>(timeout_seconds)) + " s (killed)");
  return result;
}

std::vector<std::string> engine_args(const LiteRtOptions& options) {
  return {"--engine", options.engine, "--threads", std::to_string(options.threads)};
}

// Writes `inputs` as in<k>.npy into `dir`.
Expected<std::vector<std::string>> write_inputs(const std::vector<Tensor>& inputs,
                                                const std::string& dir) {
  std::vector<std::string> paths;
  for (size_t k = 0; k < inputs.size(); ++k) {
    paths.push_back(dir + "/in" + std::to_string(k) + ".npy");
    MCONV_RETURN_IF_ERROR(write_npy(paths.back(), inputs[k]));
  }
  return paths;
}

// Reads <prefix>.0.npy, <prefix>.1.npy, ... (`count` of them).
Expected<std::vector<Tensor>> read_outputs(const std::string& prefix, int count) {
  std::vector<Tensor> outputs;
  for (int k = 0; k < count; ++k) {
    MCONV_ASSIGN_OR_RETURN(Tensor t, read_npy(prefix + "." + std::to_string(k) + ".npy"));
    outputs.push_back(std::move(t));
  }
  return outputs;
}

// Runs one job and returns its OK line's key=value pairs, or the job's failure as an error.
Expected<std::map<std::string, std::string>> run_single_job(
    const std::string& model_path, const std::vector<Tensor>& inputs, const std::string& out_prefix,
    const std::string& dir, const std::vector<std::string>& extra_args,
    const LiteRtOptions& options, ProcessResult* process) {
  MCONV_ASSIGN_OR_RETURN(LiteRtLocation where, locate_litert());
  MCONV_ASSIGN_OR_RETURN(std::vector<std::string> input_paths, write_inputs(inputs, dir));
  std::vector<std::string> args = {"run", model_path};
  args.insert(args.end(), input_paths.begin(), input_paths.end());
  args.insert(args.end(), {"-o", out_prefix});
  for (const std::string& a : engine_args(options)) args.push_back(a);
  args.insert(args.end(), extra_args.begin(), extra_args.end());
  MCONV_ASSIGN_OR_RETURN(*process, run_runner(where, args, options.timeout_seconds));
  for (const std::string& line : split(process->out, '\n')) {
    if (line.rfind("OK 0", 0) == 0) return key_values(line);
    if (line.rfind("FAIL 0 ", 0) == 0) {
      std::string reason = line.substr(7);
      // The runner prefixes the model path; the caller adds it again with context.
      if (reason.rfind(model_path + ": ", 0) == 0) reason = reason.substr(model_path.size() + 2);
      return Status::Error("LiteRT: " + reason);
    }
  }
  std::string why = last_line(process->err);
  return Status::Error("LiteRT runner failed (exit " + std::to_string(process->exit_code) + ")" +
                       (why.empty() ? "" : ": " + why));
}

}  // namespace

DType dtype_from_tflite_name(const std::string& name) {
  static const std::map<std::string, DType> kTypes = {
      {"float32", DType::kF32}, {"float16", DType::kF16}, {"bfloat16", DType::kBF16},
      {"int8", DType::kI8},     {"uint8", DType::kU8},    {"int16", DType::kI16},
      {"int32", DType::kI32},   {"int64", DType::kI64},   {"bool", DType::kBool}};
  auto it = kTypes.find(name);
  return it == kTypes.end() ? DType::kUndefined : it->second;
}

Expected<LiteRtLocation> locate_litert() {
  LiteRtLocation where;
  const std::string source = MCONV_SOURCE_DIR;
  const std::string node_name = env_or("MCONV_NODE", "node");
  where.node = find_in_path(node_name);
  if (where.node.empty())
    return Status::Error("Node.js not found ('" + node_name +
                         "'; install Node 20+ or set MCONV_NODE)");
  where.script = env_or("MCONV_LITERT_SCRIPT", source + "/tools/litert/mconv_litert.mjs");
  if (!fs::exists(where.script))
    return Status::Error("LiteRT runner script not found at " + where.script +
                         " (set MCONV_LITERT_SCRIPT)");
  where.home = env_or("MCONV_LITERT_HOME", source + "/.cache/litert");
  if (!fs::exists(where.home + "/node_modules/@litertjs/core/package.json"))
    return Status::Error("LiteRT packages not found in " + where.home +
                         " (run scripts/setup.sh or set MCONV_LITERT_HOME)");
  return where;
}

bool litert_available(std::string* why) {
  auto where = locate_litert();
  if (!where.ok() && why) *why = where.status().message();
  return where.ok();
}

Expected<LiteRtModelInfo> litert_info(const std::string& model_path) {
  MCONV_ASSIGN_OR_RETURN(LiteRtLocation where, locate_litert());
  MCONV_ASSIGN_OR_RETURN(ProcessResult run, run_runner(where, {"signature", model_path}, 120));
  if (run.exit_code != 0) {
    std::string why = last_line(run.err);
    return Status::Error(model_path + ": LiteRT cannot read the signature" +
                         (why.empty() ? "" : ": " + why));
  }
  LiteRtModelInfo info;
  for (const std::string& line : split(run.out, '\n')) {
    std::vector<std::string> f = split(line, '\t');
    if (f.size() < 8 || (f[0] != "input" && f[0] != "output")) continue;
    TensorSpec t;
    t.dtype = dtype_from_tflite_name(f[2]);
    t.shape = parse_ints(f[3]);
    if (std::vector<int64_t> signature = parse_ints(f[4]); signature.size() == t.shape.size())
      t.shape = std::move(signature);
    t.scale = parse_floats(f[5]);
    t.zero_point = parse_ints(f[6]);
    // The name is the last field and may itself hold tabs (the runner replaces them by spaces).
    t.name = f[7];
    (f[0] == "input" ? info.inputs : info.outputs).push_back(std::move(t));
  }
  if (info.inputs.empty() || info.outputs.empty())
    return Status::Error(model_path + ": LiteRT runner reported no inputs/outputs");
  return info;
}

namespace {

// Fills `timing` from the OK line of a run with --runs.
Status parse_timing(const std::string& model_path, std::map<std::string, std::string>& fields,
                    const ProcessResult& process, int runs, LiteRtTiming* timing) {
  auto number = [&](const char* key) { return std::strtod(fields[key].c_str(), nullptr); };
  timing->engine = fields["engine"];
  timing->runtime_init_ms = number("init_ms");
  timing->load_ms = number("load_ms");
  timing->first_ms = number("first_ms");
  timing->times_ms.clear();
  for (const std::string& s : split(fields["times_ms"], ','))
    if (!s.empty()) timing->times_ms.push_back(std::strtod(s.c_str(), nullptr));
  timing->peak_rss_bytes = static_cast<int64_t>(number("peak_rss_kb")) * 1024;
  if (timing->peak_rss_bytes == 0) timing->peak_rss_bytes = process.peak_rss_bytes;
  timing->process_ms = process.wall_ms;
  if (static_cast<int>(timing->times_ms.size()) != runs)
    return Status::Error(model_path + ": LiteRT runner reported " +
                         std::to_string(timing->times_ms.size()) + " timed runs, expected " +
                         std::to_string(runs));
  return Status::Ok();
}

std::vector<std::string> timing_args(int runs, int warmup) {
  return {"--runs", std::to_string(runs), "--warmup", std::to_string(std::max(0, warmup))};
}

}  // namespace

Expected<std::vector<Tensor>> litert_run(const std::string& model_path,
                                         const std::vector<Tensor>& inputs,
                                         const LiteRtOptions& options, LiteRtTiming* timing,
                                         int timed_runs, int warmup) {
  if (timing && timed_runs < 1) return Status::Error("litert_run: timed_runs must be at least 1");
  MCONV_ASSIGN_OR_RETURN(TempDir dir, TempDir::Create());
  const std::string prefix = dir.path() + "/out";
  ProcessResult process;
  auto fields = run_single_job(
      model_path, inputs, prefix, dir.path(),
      timing ? timing_args(timed_runs, warmup) : std::vector<std::string>{}, options, &process);
  if (!fields.ok()) return fields.status().with_context(model_path);
  int count = static_cast<int>(std::strtol((*fields)["outputs"].c_str(), nullptr, 10));
  auto outputs = read_outputs(prefix, count);
  if (!outputs.ok()) return outputs.status().with_context(model_path);
  if (timing) MCONV_RETURN_IF_ERROR(parse_timing(model_path, *fields, process, timed_runs, timing));
  return outputs;
}

Expected<LiteRtTiming> litert_time(const std::string& model_path, const std::vector<Tensor>& inputs,
                                   int warmup, int runs, const LiteRtOptions& options) {
  if (runs < 1) return Status::Error("litert_time: runs must be at least 1");
  MCONV_ASSIGN_OR_RETURN(TempDir dir, TempDir::Create());
  ProcessResult process;
  auto fields = run_single_job(model_path, inputs, dir.path() + "/out", dir.path(),
                               timing_args(runs, warmup), options, &process);
  if (!fields.ok()) return fields.status().with_context(model_path);
  LiteRtTiming timing;
  MCONV_RETURN_IF_ERROR(parse_timing(model_path, *fields, process, runs, &timing));
  return timing;
}

Expected<LiteRtJobsResult> litert_run_jobs(const std::vector<LiteRtJob>& jobs,
                                           const std::string& work_dir,
                                           const LiteRtOptions& options, int timed_runs,
                                           int warmup) {
  MCONV_ASSIGN_OR_RETURN(LiteRtLocation where, locate_litert());
  const std::string list = work_dir + "/litert_jobs.tsv";
  {
    std::ofstream out(list);
    for (const LiteRtJob& job : jobs) {
      // Tabs and newlines would split the line: refuse such paths instead of running garbage.
      auto bad = [](const std::string& p) { return p.find_first_of("\t\n") != std::string::npos; };
      if (bad(job.model) || bad(job.out_prefix))
        return Status::Error(job.model + ": paths with tabs or newlines cannot be batched");
      out << job.model << '\t' << job.out_prefix;
      for (const std::string& in : job.inputs) {
        if (bad(in)) return Status::Error(in + ": paths with tabs or newlines cannot be batched");
        out << '\t' << in;
      }
      out << '\n';
    }
    if (!out) return Status::Error(list + ": cannot write the job list");
  }
  std::vector<std::string> args = {"batch", list};
  for (const std::string& a : engine_args(options)) args.push_back(a);
  if (timed_runs > 0)
    for (const std::string& a : timing_args(timed_runs, warmup)) args.push_back(a);
  MCONV_ASSIGN_OR_RETURN(ProcessResult run, run_runner(where, args, options.timeout_seconds));
  LiteRtJobsResult result;
  result.job_timing.assign(jobs.size(), LiteRtTiming{});
  result.exit_code = run.exit_code;
  result.log = run.out + run.err;
  result.job_ok.assign(jobs.size(), false);
  result.job_message.assign(jobs.size(), "");
  for (const std::string& line : split(run.out, '\n')) {
    bool ok = line.rfind("OK ", 0) == 0;
    if (!ok && line.rfind("FAIL ", 0) != 0) continue;
    std::string rest = line.substr(ok ? 3 : 5);
    size_t space = rest.find(' ');
    size_t index = std::strtoul(rest.substr(0, space).c_str(), nullptr, 10);
    if (index >= jobs.size()) continue;
    result.job_ok[index] = ok;
    result.job_message[index] = space == std::string::npos ? "" : rest.substr(space + 1);
    if (ok && timed_runs > 0) {
      auto fields = key_values(line);
      Status parsed =
          parse_timing(jobs[index].model, fields, run, timed_runs, &result.job_timing[index]);
      if (!parsed.ok()) {
        result.job_ok[index] = false;
        result.job_message[index] = parsed.message();
      }
    }
  }
  return result;
}

}  // namespace mconv::litert
