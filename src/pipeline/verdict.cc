#include "pipeline/verdict.h"

namespace mconv::pipeline {

std::string Judgement::reason() const {
  std::string text;
  for (size_t i = 0; i < misses.size(); ++i) text += (i ? "; " : "") + misses[i];
  return text;
}

Judgement judge_runs(const std::vector<RunCheck>& checks, const Tolerance& tolerance) {
  Judgement j;
  for (size_t c = 0; c < checks.size(); ++c) {
    const RunCheck& check = checks[c];
    const bool main = check.runtime_label.empty();
    const std::string who = main ? "" : check.runtime_label + " ";
    j.comparisons.emplace_back();
    if (!check.run->ok()) {
      j.misses.push_back(main ? "does not run: " + check.run->status().message()
                              : who + "refused it: " + check.run->status().message());
      continue;
    }
    auto cmp = report::compare_outputs((*check.run)->outputs, *check.reference);
    if (!cmp.ok()) {
      j.misses.push_back(who + "outputs not comparable: " + cmp.status().message());
      continue;
    }
    j.comparisons.back() = *cmp;
    if (main && !j.comparison) j.comparison = *cmp;
    // "LiteRT on 32 images: cosine 0.91 < 0.99"; the main runtime's misses stand alone.
    const std::string prefix =
        main ? "" : check.runtime_label + (check.scope.empty() ? "" : " " + check.scope) + ": ";
    for (const std::string& m : tolerance_misses(*cmp, tolerance)) j.misses.push_back(prefix + m);
  }
  return j;
}

}  // namespace mconv::pipeline
