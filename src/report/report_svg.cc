// report.svg: three bar panels stacked vertically — file size, accuracy (or agreement with the
// source when there are no labels) and latency — one bar per variant in the same order, coloured
// by format, FAILED variants outlined in red. Plain SVG 1.1 with no scripts, fonts or links, so
// any browser or Markdown viewer shows it.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <functional>

#include "report/format.h"
#include "report/report.h"

namespace mconv::report {

namespace {

constexpr double kWidth = 960;
constexpr double kLeft = 80;  // room for the y axis labels
constexpr double kRight = 30;
constexpr double kTitleHeight = 56;   // chart title + legend
constexpr double kPanelHeight = 262;  // one panel: title, plot, x labels
constexpr double kPlotTop = 46;       // plot area offset inside a panel (panel title above)
constexpr double kPlotHeight = 150;
constexpr const char* kOnnxColor = "#4c78a8";
constexpr const char* kTfliteColor = "#f58518";
constexpr const char* kOtherColor = "#72b7b2";
constexpr const char* kFailColor = "#d62728";

std::string xml(const std::string& text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&apos;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", v);
  return buf;
}

// A "nice" axis maximum (1, 2, 2.5 or 5 times a power of ten) at or above `value`, and its step.
std::pair<double, double> nice_axis(double value) {
  if (!(value > 0)) return {1, 0.25};
  const double power = std::pow(10, std::floor(std::log10(value)));
  for (double m : {1.0, 2.0, 2.5, 5.0, 10.0})
    if (m * power >= value * 1.0000001) return {m * power, m * power / (m == 2.5 ? 5 : 4)};
  return {10 * power, 2.5 * power};
}

std::string tick_label(double v) {
  char buf[32];
  if (v == std::floor(v))
    std::snprintf(buf, sizeof buf, "%.0f", v);
  else
    std::snprintf(buf, sizeof buf, "%g", v);
  return buf;
}

struct Panel {
  std::string id;     // data-panel attribute: "size", "accuracy", "latency"
  std::string title;  // shown above the plot
  std::string unit;   // y axis title
  std::function<std::optional<double>(const VariantReport&)> value;  // bar height
  std::function<std::string(double)> label;                          // text above a bar
  std::optional<double> fixed_max;  // axis maximum when fixed (percentages)
  std::optional<double> reference;  // dashed line (the source's accuracy), if any
  std::string reference_label;      // text beside that line
};

std::string draw_panel(const Panel& panel, const std::vector<VariantReport>& variants, double top) {
  std::string s = "<g class=\"panel\" data-panel=\"" + panel.id + "\">\n";
  const double plot_top = top + kPlotTop, plot_bottom = plot_top + kPlotHeight;
  const double plot_width = kWidth - kLeft - kRight;
  s += "<text class=\"panel-title\" x=\"" + num(kLeft) + "\" y=\"" + num(top + 20) + "\">" +
       xml(panel.title) + "</text>\n";

  double highest = 0;
  for (const VariantReport& v : variants)
    if (auto x = panel.value(v)) highest = std::max(highest, *x);
  if (panel.reference) highest = std::max(highest, *panel.reference);
  auto [axis_max, step] =
      panel.fixed_max ? std::pair<double, double>{*panel.fixed_max, 20} : nice_axis(highest);
  auto y_of = [&](double v) {
    return plot_bottom - kPlotHeight * std::min(v, axis_max) / axis_max;
  };

  // Grid, ticks and the y axis title.
  for (double t = 0; t <= axis_max * 1.0000001; t += step) {
    const double y = y_of(t);
    s += "<line class=\"grid\" x1=\"" + num(kLeft) + "\" x2=\"" + num(kLeft + plot_width) +
         "\" y1=\"" + num(y) + "\" y2=\"" + num(y) + "\"/>\n";
    s += "<text class=\"tick\" x=\"" + num(kLeft - 6) + "\" y=\"" + num(y + 4) +
         "\" text-anchor=\"end\">" + tick_label(t) + "</text>\n";
  }
  const double mid = (plot_top + plot_bottom) / 2;
  s += "<text class=\"axis-title\" x=\"" + num(kLeft - 52) + "\" y=\"" + num(mid) +
       "\" text-anchor=\"middle\" transform=\"rotate(-90 " + num(kLeft - 52) + " " + num(mid) +
       ")\">" + xml(panel.unit) + "</text>\n";
  s += "<line class=\"axis\" x1=\"" + num(kLeft) + "\" x2=\"" + num(kLeft) + "\" y1=\"" +
       num(plot_top) + "\" y2=\"" + num(plot_bottom) + "\"/>\n";
  s += "<line class=\"axis\" x1=\"" + num(kLeft) + "\" x2=\"" + num(kLeft + plot_width) +
       "\" y1=\"" + num(plot_bottom) + "\" y2=\"" + num(plot_bottom) + "\"/>\n";

  const double slot = variants.empty() ? plot_width : plot_width / variants.size();
  const double bar_width = std::min(80.0, slot * 0.6);
  for (size_t i = 0; i < variants.size(); ++i) {
    const VariantReport& v = variants[i];
    const double centre = kLeft + slot * (i + 0.5);
    const std::string name = format_display_name(v.format) + " " + v.precision;
    const bool failed = v.verdict != Verdict::kPass;
    if (auto value = panel.value(v)) {
      const double y = y_of(std::max(0.0, *value));
      const char* color = v.format == "onnx"     ? kOnnxColor
                          : v.format == "tflite" ? kTfliteColor
                                                 : kOtherColor;
      s += "<rect class=\"bar\" data-variant=\"" + xml(v.format + "_" + v.precision) + "\" x=\"" +
           num(centre - bar_width / 2) + "\" y=\"" + num(y) + "\" width=\"" + num(bar_width) +
           "\" height=\"" + num(plot_bottom - y) + "\" fill=\"" + color + "\"" +
           (failed ? std::string(" stroke=\"") + kFailColor + "\" stroke-width=\"3\"" : "") +
           "><title>" + xml(name + ": " + panel.label(*value)) + "</title></rect>\n";
      s += "<text class=\"value\" x=\"" + num(centre) + "\" y=\"" + num(y - 5) +
           "\" text-anchor=\"middle\">" + xml(panel.label(*value)) + "</text>\n";
    } else {
      s += "<text class=\"value missing\" x=\"" + num(centre) + "\" y=\"" + num(plot_bottom - 5) +
           "\" text-anchor=\"middle\">n/a</text>\n";
    }
    s += "<text class=\"label\" x=\"" + num(centre) + "\" y=\"" + num(plot_bottom + 16) +
         "\" text-anchor=\"middle\">" + xml(format_display_name(v.format)) + "</text>\n";
    s += "<text class=\"label\" x=\"" + num(centre) + "\" y=\"" + num(plot_bottom + 30) +
         "\" text-anchor=\"middle\"" + (failed ? std::string(" fill=\"") + kFailColor + "\"" : "") +
         ">" + xml(v.precision) + (failed ? " (FAILED)" : "") + "</text>\n";
  }
  if (panel.reference) {
    const double y = y_of(*panel.reference);
    s += "<line class=\"reference\" x1=\"" + num(kLeft) + "\" x2=\"" + num(kLeft + plot_width) +
         "\" y1=\"" + num(y) + "\" y2=\"" + num(y) + "\"/>\n";
    s += "<text class=\"tick\" x=\"" + num(kLeft + plot_width) + "\" y=\"" + num(y - 4) +
         "\" text-anchor=\"end\">" + xml(panel.reference_label) + "</text>\n";
  }
  return s + "</g>\n";
}

}  // namespace

std::string render_svg(const ConversionReport& r) {
  bool labels = false;
  for (const VariantReport& v : r.variants) labels |= v.top1.has_value();
  Panel size;
  size.id = "size";
  size.title = "File size";
  size.unit = "MiB";
  size.value = [](const VariantReport& v) -> std::optional<double> {
    if (v.file_bytes <= 0) return std::nullopt;  // not written
    return v.file_bytes / (1024.0 * 1024.0);
  };
  size.label = [](double mib) { return format_number(mib, "%.2f MiB"); };

  Panel accuracy;
  accuracy.id = "accuracy";
  accuracy.title =
      labels ? "Top-1 accuracy on the labelled images" : "Top-1 agreement with the source model";
  accuracy.unit = "%";
  accuracy.value = [labels](const VariantReport& v) -> std::optional<double> {
    const auto& fraction = labels ? v.top1 : v.top1_agreement;
    if (!fraction) return std::nullopt;
    return *fraction * 100;
  };
  accuracy.label = [](double pct) { return format_number(pct, "%.1f%%"); };
  accuracy.fixed_max = 100.0;
  if (labels && r.source_top1) {
    accuracy.reference = *r.source_top1 * 100;
    accuracy.reference_label = "source " + format_percent(r.source_top1);
  }

  Panel latency;
  latency.id = "latency";
  latency.title = "Latency p50 (one sample, in each variant's runtime)";
  latency.unit = "ms";
  latency.value = [](const VariantReport& v) { return v.latency_p50_ms; };
  latency.label = [](double ms) { return format_number(ms, "%.2f ms"); };
  const std::vector<Panel> panels = {size, accuracy, latency};

  const double height = kTitleHeight + kPanelHeight * panels.size() + 10;
  std::string s = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  s += "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"" + num(kWidth) +
       "\" height=\"" + num(height) + "\" viewBox=\"0 0 " + num(kWidth) + " " + num(height) +
       "\" font-family=\"Helvetica, Arial, sans-serif\">\n";
  s += "<title>" + xml("mconv report: " + r.model_name) + "</title>\n";
  s += "<style>.panel-title{font-size:15px;font-weight:bold}.tick,.label,.value{font-size:12px}"
       ".axis-title{font-size:13px}.grid{stroke:#e3e3e3}.axis{stroke:#333}"
       ".reference{stroke:#555;stroke-dasharray:5 4}.missing{fill:#999}</style>\n";
  s += "<rect x=\"0\" y=\"0\" width=\"" + num(kWidth) + "\" height=\"" + num(height) +
       "\" fill=\"white\"/>\n";
  s += "<text x=\"" + num(kLeft) + "\" y=\"24\" font-size=\"18\" font-weight=\"bold\">" +
       xml(r.model_name + ": every variant at a glance") + "</text>\n";
  // Legend.
  double x = kLeft;
  const std::pair<const char*, const char*> legend[] = {{"ONNX", kOnnxColor},
                                                        {"TFLite", kTfliteColor}};
  for (const auto& [text, color] : legend) {
    s += "<rect x=\"" + num(x) + "\" y=\"36\" width=\"12\" height=\"12\" fill=\"" + color +
         "\"/>\n<text class=\"label\" x=\"" + num(x + 17) + "\" y=\"46\">" + text + "</text>\n";
    x += 80;
  }
  s += "<rect x=\"" + num(x) + "\" y=\"36\" width=\"12\" height=\"12\" fill=\"white\" stroke=\"" +
       kFailColor + "\" stroke-width=\"3\"/>\n<text class=\"label\" x=\"" + num(x + 17) +
       "\" y=\"46\">FAILED (outside tolerance or not written)</text>\n";
  for (size_t p = 0; p < panels.size(); ++p)
    s += draw_panel(panels[p], r.variants, kTitleHeight + kPanelHeight * p);
  s += "</svg>\n";
  return s;
}

}  // namespace mconv::report
