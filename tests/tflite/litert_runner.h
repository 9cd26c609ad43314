// Runs .tflite files in LiteRT for the TFLite tests: a thin layer over the product's LiteRT runtime
// (src/litert/litert.h), kept so the existing tests read as before. Many models and samples go
// through ONE Node process (startup costs ~0.5 s), as a batch of jobs; each job's outputs come back
// as .npy files. Header-only: test executables are globbed from *_test.cc files (link
// mconv_litert).
#pragma once

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "core/npy.h"
#include "litert/litert.h"
#include "litert/subprocess.h"
#include "support/test_support.h"
#include "support/test_tensors.h"

namespace mconv::test {

// The project checkout: $MCONV_SOURCE_DIR, else the one the tests were configured from (not
// __FILE__, which a compiler cache or a relative build may leave relative to the build folder).
inline std::string litert_source_dir() {
  if (const char* env = std::getenv("MCONV_SOURCE_DIR")) return env;
  return source_dir();
}

// Where scripts/setup.sh installed the LiteRT.js packages.
inline std::string litert_home() {
  if (const char* env = std::getenv("MCONV_LITERT_HOME")) return env;
  return litert_source_dir() + "/.cache/litert";
}

inline bool litert_installed() {
  return ::mconv::litert::litert_available();
}

// One model run: every input .npy holds N stacked samples (or exactly the input's shape).
struct LiteRtJob {
  std::string model;                // .tflite path
  std::vector<std::string> inputs;  // one .npy per model input, signature order
  std::string out_prefix;           // outputs land in <out_prefix>.<k>.npy
};

struct LiteRtBatchResult {
  int exit_code = -1;        // 0 when every job succeeded
  std::string log;           // runner output (OK/FAIL lines, runtime messages)
  std::vector<bool> job_ok;  // per job
};

// Runs all jobs in one process with the LiteRT engine (no fallback: LiteRT is the oracle).
inline LiteRtBatchResult run_litert_batch(const std::vector<LiteRtJob>& jobs,
                                          const std::string& work_dir) {
  std::vector<::mconv::litert::LiteRtJob> list;
  for (const LiteRtJob& job : jobs) list.push_back({job.model, job.inputs, job.out_prefix});
  LiteRtBatchResult result;
  result.job_ok.assign(jobs.size(), false);
  auto run = ::mconv::litert::litert_run_jobs(list, work_dir, {.engine = "litert"});
  if (!run.ok()) {
    result.log = run.status().message();
    return result;
  }
  result.exit_code = run->exit_code;
  result.log = run->log;
  result.job_ok = run->job_ok;
  return result;
}

// Lists the operators of a .tflite file as the runner reads them ("op 3 CONV_2D v1 ...").
inline CommandResult litert_info(const std::string& model) {
  CommandResult result;
  auto where = ::mconv::litert::locate_litert();
  if (!where.ok()) {
    result.output = where.status().message();
    return result;
  }
  auto run = ::mconv::litert::run_process({where->node, where->script, "info", model},
                                          {.env = {{"MCONV_LITERT_HOME", where->home}}});
  if (!run.ok()) {
    result.output = run.status().message();
    return result;
  }
  result.exit_code = run->exit_code;
  result.output = run->out + run->err;
  return result;
}

// max |a - b| / max |b| (b = reference).
inline double relative_max_diff(const Tensor& a, const Tensor& b) {
  return relative_diff(a.to_f32(), b.to_f32());
}

}  // namespace mconv::test

// Skips when the LiteRT packages are missing, except under CI where that is a failure.
#define MCONV_REQUIRE_LITERT()                                                             \
  do {                                                                                     \
    if (!::mconv::test::litert_installed()) {                                              \
      if (::mconv::test::in_ci()) FAIL() << "LiteRT runner missing: run scripts/setup.sh"; \
      GTEST_SKIP() << "LiteRT runner missing: run scripts/setup.sh";                       \
    }                                                                                      \
  } while (0)
