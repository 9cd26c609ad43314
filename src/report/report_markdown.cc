// report.md: the seed-style table first (what people look for), then failures, settings, what
// was synthetic and how the checks were run.
#include <cstdio>
#include <filesystem>

#include "report/format.h"
#include "report/report.h"

namespace mconv::report {

namespace {

// Table cells may not hold '|' or newlines.
std::string cell(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c == '|')
      out += "\\|";
    else if (c == '\n' || c == '\r')
      out += ' ';
    else
      out += c;
  }
  return out;
}

std::string signature_text(const std::vector<TensorSpec>& tensors) {
  std::string text;
  for (const TensorSpec& t : tensors) text += (text.empty() ? "" : "; ") + tensor_text(t);
  return text.empty() ? "n/a" : text;
}

std::string file_name(const std::string& path) {
  std::string name = std::filesystem::path(path).filename().string();
  return name.empty() ? path : name;
}

}  // namespace

// Which delegates take each written file (nodes taken, partitions, verdict), and what --target
// rewrote; the full lists of nodes not taken are in report.json.
static std::string delegate_section(const ConversionReport& r) {
  bool any = false;
  for (const VariantReport& v : r.variants) any |= !v.delegates.empty();
  if (!any) return "";
  std::string md = "## Delegate coverage\n\n";
  md +=
      "| file | delegate | nodes taken | partitions | verdict | --target changed |\n"
      "|---|---|---:|---:|---|---|\n";
  for (const VariantReport& v : r.variants)
    for (const DelegateCoverageRow& d : v.delegates) {
      char share[32];
      std::snprintf(share, sizeof share, " (%.1f%%)", d.nodes ? 100.0 * d.taken / d.nodes : 0.0);
      md += "| `" + cell(file_name(v.path)) + "` | " + cell(d.name) + " | " +
            std::to_string(d.taken) + "/" + std::to_string(d.nodes) + share + " | " +
            std::to_string(d.partition_sizes.size()) + " | " + cell(d.verdict) + " | " +
            cell(v.target_changes.empty() ? "-" : v.target_changes) + " |\n";
    }
  md +=
      "\nRules from each delegate's own sources (`mconv inspect FILE --delegates` lists every "
      "node left on the CPU and why; report.json has the same per variant).\n\n";
  return md;
}

std::string render_markdown(const ConversionReport& r) {
  std::string md = "# mconv report: " + r.model_name + "\n\n";
  md += "Source: `" + r.source + "` (" + format_display_name(r.source_format) + ")";
  if (!r.source_inputs.empty())
    md += ", input " + signature_text(r.source_inputs) + ", output " +
          signature_text(r.source_outputs);
  md += ".";
  if (!r.source_runtime.empty()) md += " Reference outputs from " + r.source_runtime + ".";
  if (r.source_top1)
    md += " Source accuracy: top-1 " + format_percent(r.source_top1) + ", top-5 " +
          format_percent(r.source_top5) + ".";
  md += "\n\n";

  size_t failed = 0;
  for (const VariantReport& v : r.variants) failed += v.verdict != Verdict::kPass;
  if (r.variants.empty())
    md += "**No variants were written.**\n\n";
  else if (failed == 0)
    md += "**All " + std::to_string(r.variants.size()) + " variants PASS.**\n\n";
  else
    md += "**" + std::to_string(failed) + " of " + std::to_string(r.variants.size()) +
          " variants FAILED.**\n\n";

  md +=
      "| format | precision | file | size | input | output | runtime | top-1 agreement | top-1 | "
      "top-5 | cosine | max abs diff | latency p50 | verdict |\n"
      "|---|---|---|---:|---|---|---|---:|---:|---:|---:|---:|---:|---|\n";
  for (const VariantReport& v : r.variants) {
    md += "| " + cell(format_display_name(v.format)) + " | " + cell(v.precision) + " | `" +
          cell(file_name(v.path)) + "` | " + format_bytes(v.file_bytes) + " | " +
          cell(signature_text(v.inputs)) + " | " + cell(signature_text(v.outputs)) + " | " +
          cell(v.runtime.empty() ? "n/a" : v.runtime) + " | " + format_percent(v.top1_agreement) +
          " | " + format_percent(v.top1) + " | " + format_percent(v.top5) + " | " +
          format_number(v.cosine, "%.6f") + " | " + format_number(v.max_abs_diff, "%.3g") + " | " +
          format_number(v.latency_p50_ms, "%.2f ms") + " | " +
          (v.verdict == Verdict::kPass ? "PASS" : "**FAILED**") + " |\n";
  }
  md += "\n![File size, accuracy and latency of every variant](" + std::string(kReportChart) +
        ")\n\n";

  if (failed) {
    md += "## Failures\n\n";
    for (const VariantReport& v : r.variants)
      if (v.verdict != Verdict::kPass)
        md += "- " + format_display_name(v.format) + " " + v.precision + ": " +
              (v.reason.empty() ? "no reason recorded" : v.reason) + "\n";
    md += "\n";
  }

  md += delegate_section(r);
  bool any_int8 = false;
  for (const VariantReport& v : r.variants) any_int8 = any_int8 || v.int8.has_value();
  if (any_int8) {
    md += "## INT8\n\n";
    for (const VariantReport& v : r.variants) {
      if (!v.int8) continue;
      const Int8Report& q = *v.int8;
      md += "- " + format_display_name(v.format) + " `" + cell(file_name(v.path)) + "`: " + q.mode;
      if (q.heldout_images > 0) {
        md += "; top-1 agreement " + format_percent(q.heldout_agreement) + " on " +
              std::to_string(q.heldout_images) + " held-out calibration images";
        if (q.mode == "mixed")
          md += " (every activation int8: " + format_percent(q.heldout_agreement_int8) +
                "; target " + format_percent(q.target_agreement) +
                (q.target_met ? ", met" : ", **not met**") + ")";
      }
      md += "; " + std::to_string(q.bias_corrected.size()) + " layers bias-corrected\n";
      if (q.mode == "mixed") {
        md += "  - " + std::to_string(q.kept_in_float.size()) +
              " activations kept in float (float op between DEQUANTIZE and QUANTIZE; ranked by "
              "measured output noise when int8)" +
              (q.kept_in_float.empty() ? std::string() : ":") + "\n";
        for (const Int8Report::Kept& k : q.kept_in_float) {
          char noise[32];
          std::snprintf(noise, sizeof noise, "%.3g", k.noise);
          md += "    - `" + cell(k.value) + "` (" + k.producer + ", noise share " + noise + ")\n";
        }
      }
    }
    md += "\n";
  }

  md += "## Settings\n\n| setting | value |\n|---|---|\n";
  for (const auto& [key, value] : r.settings) md += "| " + cell(key) + " | " + cell(value) + " |\n";
  md += "\n## Synthetic data\n\n";
  if (r.synthetic.empty()) md += "Nothing was synthetic: weights and data are real.\n";
  for (const std::string& s : r.synthetic) md += "- " + s + "\n";
  md += "\n## Verification\n\n";
  md += (r.verification_data.empty() ? std::string("No verification data recorded.")
                                     : r.verification_data) +
        "\n";
  md +=
      "Top-1 agreement: share of samples whose top-1 class equals the source's. Cosine: mean "
      "cosine similarity of each sample's outputs to the source's. Max abs diff: over all "
      "samples and outputs. Latency: median of single-sample runs in the named runtime.\n";
  if (!r.notes.empty()) {
    md += "\n## Notes\n\n";
    for (const std::string& n : r.notes) md += "- " + n + "\n";
  }
  md += "\n---\nWritten by mconv" + (r.mconv_version.empty() ? "" : " " + r.mconv_version) +
        (r.created_utc.empty() ? "" : " at " + r.created_utc) + ".\n";
  return md;
}

}  // namespace mconv::report
