#include "delegates/delegate_analysis.h"

#include <cstdio>
#include <numeric>

#include "delegates/delegate_spec.h"
#include "delegates/read_model_ops.h"

namespace mconv::delegates {
namespace {

int find_root(std::vector<int>& parent, int x) {
  while (parent[x] != x) x = parent[x] = parent[parent[x]];
  return x;
}

// Connected groups of taken nodes (linked through a tensor one produces and another reads),
// each as its counted node indices in graph order, the groups ordered by their first node.
// Taken nodes that are not counted (ORT CPU: the Q/DQ around integer kernels) still link.
std::vector<std::vector<int>> partitions(const OpGraph& g, const std::vector<NodeJudgement>& j) {
  std::vector<int> parent(g.nodes.size());
  std::iota(parent.begin(), parent.end(), 0);
  const auto producer = g.producers();
  for (size_t n = 0; n < g.nodes.size(); ++n) {
    if (!j[n].taken) continue;
    for (int t : g.nodes[n].inputs) {
      if (t < 0) continue;
      const int p = producer[t];
      if (p >= 0 && j[p].taken)
        parent[find_root(parent, static_cast<int>(n))] = find_root(parent, p);
    }
  }
  std::vector<std::vector<int>> groups;
  std::vector<int> group_of(g.nodes.size(), -1);
  for (size_t n = 0; n < g.nodes.size(); ++n) {
    if (!j[n].taken || !j[n].counted) continue;
    const int root = find_root(parent, static_cast<int>(n));
    if (group_of[root] < 0) {
      group_of[root] = static_cast<int>(groups.size());
      groups.emplace_back();
    }
    groups[group_of[root]].push_back(static_cast<int>(n));
  }
  return groups;
}

char percent_buf[32];
std::string percent(double share) {
  std::snprintf(percent_buf, sizeof percent_buf, "%.1f%%", share * 100.0);
  return percent_buf;
}

// After ORT's usability checker (tools/python/util/mobile_helpers/usability_checker.py): a
// single partition covering every node runs well; a few large partitions may; many partitions
// (each a CPU <-> delegate hand-over) or a small share are not worth it. Thresholds are mconv's.
void set_verdict(DelegateCoverage& c, bool ort_cpu, bool float_model) {
  const int parts = static_cast<int>(c.partition_sizes.size());
  if (ort_cpu) {
    if (float_model) {
      c.verdict = "float";
      c.verdict_text = "float model: every node runs ORT's float CPU kernels";
    } else if (c.taken == c.nodes) {
      c.verdict = "good";
      c.verdict_text = "every quantized op runs as a fused integer kernel";
    } else {
      c.verdict = "maybe";
      c.verdict_text = std::to_string(c.nodes - c.taken) +
                       " op(s) run in float between DequantizeLinear and QuantizeLinear";
    }
    return;
  }
  if (c.taken == 0) {
    c.verdict = "none";
    c.verdict_text = c.name + " takes no node; everything runs on the CPU fallback";
  } else if (c.taken == c.nodes && parts == 1) {
    c.verdict = "good";
    c.verdict_text = "the whole model runs on " + c.name + " in one partition";
  } else if (parts <= 3 && c.share() >= 0.75) {
    c.verdict = "maybe";
    c.verdict_text = std::to_string(parts) + " partition(s) covering " + percent(c.share()) +
                     " of the nodes; measure before relying on it";
  } else {
    c.verdict = "poor";
    c.verdict_text = std::to_string(parts) + " partitions covering " + percent(c.share()) +
                     " of the nodes; not recommended without the --target forms";
  }
}

}  // namespace

std::vector<NodeJudgement> judge_by_table(const OpGraph& graph, const DelegateSpec& spec) {
  std::vector<NodeJudgement> out(graph.nodes.size());
  for (size_t i = 0; i < graph.nodes.size(); ++i) {
    const OpNode& n = graph.nodes[i];
    NodeJudgement& j = out[i];
    const OpRule* rule = find_rule(spec.table.rules, n.op);
    if (!rule) {
      j.reason = std::string(spec.name) + " has no kernel for " + n.op;
      continue;
    }
    Reason r = spec.table.common ? spec.table.common(graph, n) : std::nullopt;
    if (!r && rule->check) r = rule->check(graph, n);
    j.taken = !r;
    if (r) j.reason = *r;
  }
  return out;
}

const DelegateCoverage* DelegateReport::find(const std::string& key) const {
  for (const auto& d : delegates)
    if (d.key == key) return &d;
  return nullptr;
}

DelegateReport analyze_delegates(const OpGraph& graph) {
  DelegateReport report;
  report.format = graph.format;
  bool has_qdq = false;
  for (const OpNode& n : graph.nodes)
    has_qdq |= n.op == "QuantizeLinear" || n.op == "DequantizeLinear";
  // Any model that is not TFLite was read as ONNX (read_model_ops).
  const std::string_view format = graph.format == "tflite" ? "tflite" : "onnx";
  for (const DelegateSpec& spec : all_delegate_specs()) {
    if (spec.format != format) continue;
    const DelegateTable& table = spec.table;
    std::vector<NodeJudgement> j =
        table.judge ? table.judge(graph, spec) : judge_by_table(graph, spec);
    auto groups = partitions(graph, j);
    // Partitions below the delegate's minimum size are left on the CPU.
    for (const auto& group : groups)
      if (static_cast<int>(group.size()) < table.min_partition_nodes)
        for (int n : group) {
          j[n].taken = false;
          j[n].reason = "partition of " + std::to_string(group.size()) + " node(s) is below " +
                        std::string(spec.name) + "'s minimum of " +
                        std::to_string(table.min_partition_nodes);
        }
    if (table.min_partition_nodes > 1) groups = partitions(graph, j);
    DelegateCoverage c;
    c.key = spec.key;
    c.name = spec.name;
    c.source = spec.source;
    for (size_t n = 0; n < graph.nodes.size(); ++n) {
      if (!j[n].counted) continue;
      ++c.nodes;
      if (j[n].taken)
        ++c.taken;
      else
        c.not_taken.push_back({graph.nodes[n].name, graph.nodes[n].op, j[n].reason});
    }
    for (const auto& group : groups) c.partition_sizes.push_back(static_cast<int>(group.size()));
    set_verdict(c, spec.key == "ort-cpu", !has_qdq);
    if (c.verdict == "float") c.not_taken.clear();  // every node, saying nothing new
    report.delegates.push_back(std::move(c));
  }
  return report;
}

Expected<DelegateReport> analyze_model_bytes(const std::vector<uint8_t>& bytes,
                                             const std::string& source) {
  const bool tflite = bytes.size() >= 8 && std::equal(bytes.begin() + 4, bytes.begin() + 8,
                                                      reinterpret_cast<const uint8_t*>("TFL3"));
  auto graph = tflite ? read_tflite_ops(bytes, source) : read_onnx_ops(bytes, source);
  if (!graph.ok()) return graph.status();
  return analyze_delegates(*graph);
}

std::string delegate_report_text(const DelegateReport& report) {
  std::string out;
  char line[512];
  out += "delegate coverage (" + report.format + "):\n";
  std::snprintf(line, sizeof line, "  %-32s %9s %7s %10s  %s\n", "delegate", "taken", "share",
                "partitions", "verdict");
  out += line;
  for (const auto& d : report.delegates) {
    std::snprintf(line, sizeof line, "  %-32s %4d/%-4d %7s %10zu  %s\n", d.name.c_str(), d.taken,
                  d.nodes, percent(d.share()).c_str(), d.partition_sizes.size(), d.verdict.c_str());
    out += line;
  }
  for (const auto& d : report.delegates) {
    out += "\n" + d.name + ": " + d.verdict_text + "\n";
    out += "  rules: " + d.source + "\n";
    if (!d.partition_sizes.empty()) {
      out += "  partition sizes:";
      for (int s : d.partition_sizes) out += " " + std::to_string(s);
      out += "\n";
    }
    if (d.not_taken.empty()) continue;
    out += "  not taken (" + std::to_string(d.not_taken.size()) + "):\n";
    for (const auto& n : d.not_taken) {
      std::snprintf(line, sizeof line, "    %-20s %-40s %s\n", n.op.c_str(), n.node.c_str(),
                    n.reason.c_str());
      out += line;
    }
  }
  return out;
}

void write_delegate_json(JsonWriter& json, const DelegateReport& report) {
  json.begin_object();
  json.field("format", report.format);
  json.key("delegates");
  json.begin_array();
  for (const auto& d : report.delegates) {
    json.begin_object();
    json.field("key", d.key);
    json.field("name", d.name);
    json.field("rules_source", d.source);
    json.field("nodes", d.nodes);
    json.field("taken", d.taken);
    json.field("share", d.share());
    json.field("partitions", static_cast<int64_t>(d.partition_sizes.size()));
    std::vector<int64_t> sizes(d.partition_sizes.begin(), d.partition_sizes.end());
    json.field("partition_sizes", sizes);
    json.field("verdict", d.verdict);
    json.field("verdict_text", d.verdict_text);
    json.key("not_taken");
    json.begin_array();
    for (const auto& n : d.not_taken) {
      json.begin_object();
      json.field("node", n.node);
      json.field("op", n.op);
      json.field("reason", n.reason);
      json.end_object();
    }
    json.end_array();
    json.end_object();
  }
  json.end_array();
  json.end_object();
}

std::string delegate_report_json(const DelegateReport& report) {
  JsonWriter json;
  write_delegate_json(json, report);
  return json.str() + "\n";
}

}  // namespace mconv::delegates
