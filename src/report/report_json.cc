// report.json: the same facts as report.md for scripts (fractions as 0..1, sizes in bytes,
// absent metrics as null).
#include "core/json_writer.h"
#include "report/report.h"

namespace mconv::report {

namespace {

void write_optional(JsonWriter& j, std::string_view name, const std::optional<double>& value) {
  j.key(name);
  if (value)
    j.value(*value);
  else
    j.null();
}

void write_tensors(JsonWriter& j, std::string_view name, const std::vector<TensorSpec>& tensors) {
  j.key(name);
  j.begin_array();
  for (const TensorSpec& t : tensors) {
    j.begin_object();
    j.field("name", t.name);
    j.field("dtype", dtype_name(t.dtype));
    j.field("shape", t.shape);
    j.field("layout", t.layout);
    j.end_object();
  }
  j.end_array();
}

}  // namespace

std::string render_json(const ConversionReport& r) {
  JsonWriter j;
  j.begin_object();
  j.field("mconv_report_version", int64_t{1});
  j.field("model_name", r.model_name);
  j.key("source");
  j.begin_object();
  j.field("path", r.source);
  j.field("format", r.source_format);
  write_tensors(j, "inputs", r.source_inputs);
  write_tensors(j, "outputs", r.source_outputs);
  j.field("runtime", r.source_runtime);
  write_optional(j, "top1", r.source_top1);
  write_optional(j, "top5", r.source_top5);
  j.end_object();
  j.key("settings");
  j.begin_object();
  for (const auto& [key, value] : r.settings) j.field(key, value);
  j.end_object();
  j.field("synthetic", r.synthetic);
  j.field("verification_data", r.verification_data);
  j.key("variants");
  j.begin_array();
  for (const VariantReport& v : r.variants) {
    j.begin_object();
    j.field("format", v.format);
    j.field("precision", v.precision);
    j.field("path", v.path);
    j.field("file_bytes", v.file_bytes);
    write_tensors(j, "inputs", v.inputs);
    write_tensors(j, "outputs", v.outputs);
    j.field("runtime", v.runtime);
    j.field("samples", v.samples);
    write_optional(j, "top1_agreement", v.top1_agreement);
    write_optional(j, "top1", v.top1);
    write_optional(j, "top5", v.top5);
    write_optional(j, "cosine", v.cosine);
    write_optional(j, "max_abs_diff", v.max_abs_diff);
    write_optional(j, "latency_p50_ms", v.latency_p50_ms);
    j.key("int8");
    if (v.int8) {
      j.begin_object();
      j.field("mode", v.int8->mode);
      j.key("kept_in_float");
      j.begin_array();
      for (const Int8Report::Kept& k : v.int8->kept_in_float) {
        j.begin_object();
        j.field("value", k.value);
        j.field("producer", k.producer);
        j.field("noise_share", k.noise);
        j.end_object();
      }
      j.end_array();
      j.field("bias_corrected", v.int8->bias_corrected);
      j.field("heldout_images", v.int8->heldout_images);
      write_optional(j, "heldout_agreement", v.int8->heldout_agreement);
      write_optional(j, "heldout_agreement_all_int8", v.int8->heldout_agreement_int8);
      write_optional(j, "target_agreement", v.int8->target_agreement);
      j.field("target_met", v.int8->target_met);
      j.end_object();
    } else {
      j.null();
    }
    j.field("verdict", verdict_name(v.verdict));
    j.field("reason", v.reason);
    j.field("target_changes", v.target_changes);
    // The same object `mconv inspect FILE --delegates --json` prints.
    j.key("delegates");
    j.begin_object();
    j.field("format", v.format);
    j.key("delegates");
    j.begin_array();
    for (const DelegateCoverageRow& d : v.delegates) {
      j.begin_object();
      j.field("key", d.key);
      j.field("name", d.name);
      j.field("rules_source", d.rules_source);
      j.field("nodes", d.nodes);
      j.field("taken", d.taken);
      j.field("share", d.nodes ? static_cast<double>(d.taken) / d.nodes : 0.0);
      j.field("partitions", static_cast<int64_t>(d.partition_sizes.size()));
      j.field("partition_sizes",
              std::vector<int64_t>(d.partition_sizes.begin(), d.partition_sizes.end()));
      j.field("verdict", d.verdict);
      j.field("verdict_text", d.verdict_text);
      j.key("not_taken");
      j.begin_array();
      for (const DelegateNodeRow& n : d.not_taken) {
        j.begin_object();
        j.field("node", n.node);
        j.field("op", n.op);
        j.field("reason", n.reason);
        j.end_object();
      }
      j.end_array();
      j.end_object();
    }
    j.end_array();
    j.end_object();
    j.end_object();
  }
  j.end_array();
  j.field("all_passed", r.all_passed());
  j.field("notes", r.notes);
  j.field("chart", kReportChart);
  j.field("mconv_version", r.mconv_version);
  j.field("created_utc", r.created_utc);
  j.end_object();
  return j.str();
}

}  // namespace mconv::report
