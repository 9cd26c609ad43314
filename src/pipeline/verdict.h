// The one verdict of `mconv convert` (every variant) and `mconv verify`: the runs of a file in
// its runtimes, each against the reference outputs of the same samples, judged by one tolerance.
// A run that failed, outputs that cannot be compared, or any metric outside the tolerance in any
// of the runtimes makes it FAILED, with each reason naming the runtime.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/status.h"
#include "core/tensor.h"
#include "pipeline/convert_variants.h"
#include "pipeline/model_runs.h"
#include "report/metrics.h"

namespace mconv::pipeline {

// One runtime's run of the file, and the reference outputs for the same samples.
struct RunCheck {
  std::string runtime_label;       // "" for the main runtime (whose metrics are reported), else
                                   // a name for the reasons ("LiteRT")
  std::string scope;               // what it ran on, for the reasons ("on 32 images"), or ""
  const Expected<RunResult>* run;  // its outputs, or why it failed
  const Tensor* reference;         // the reference outputs of the same samples
};

struct Judgement {
  std::optional<report::OutputComparison> comparison;  // main runtime vs reference, when compared
  std::vector<std::optional<report::OutputComparison>> comparisons;  // per check, in order
  std::vector<std::string> misses;                                   // why FAILED; empty = PASS
  bool passed() const { return misses.empty(); }
  std::string reason() const;  // misses joined with "; "
};

// Judges every check with `tolerance` (tolerance_misses for the metrics).
Judgement judge_runs(const std::vector<RunCheck>& checks, const Tolerance& tolerance);

}  // namespace mconv::pipeline
