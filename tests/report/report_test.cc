// The report writers: report.json parses back to the same facts, report.md has one table row per
// variant, report.svg is well-formed with one bar per variant in every panel.
#include "report/report.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "mini_json.h"
#include "report/format.h"
#include "support/test_support.h"

namespace mconv::report {
namespace {

using test::Json;
using test::JsonReader;

VariantReport variant(const std::string& format, const std::string& precision, int64_t bytes,
                      double agreement, double cosine) {
  VariantReport v;
  v.format = format;
  v.precision = precision;
  v.path = "out/m_" + precision + (format == "onnx" ? ".onnx" : ".tflite");
  v.file_bytes = bytes;
  const bool nhwc = format == "tflite";
  v.inputs = {
      {.name = "input",
       .dtype = DType::kF32,
       .shape = nhwc ? std::vector<int64_t>{1, 224, 224, 3} : std::vector<int64_t>{-1, 3, 224, 224},
       .layout = nhwc ? "NHWC" : "NCHW"}};
  v.outputs = {{.name = "logits", .dtype = DType::kF32, .shape = {1, 1000}}};
  v.runtime = format == "onnx" ? "onnxruntime 1.30.0" : "litert";
  v.samples = 400;
  v.top1_agreement = agreement;
  v.top1 = agreement * 0.8;
  v.top5 = 0.95;
  v.cosine = cosine;
  v.max_abs_diff = 1 - cosine;
  v.latency_p50_ms = 2.5 + bytes / 1e6;
  return v;
}

ConversionReport sample_report() {
  ConversionReport r;
  r.model_name = "mobilenet <v3> & co";
  r.source = "zoo:mobilenet_v3_small";
  r.source_format = "zoo";
  r.source_inputs = {
      {.name = "input", .dtype = DType::kF32, .shape = {1, 3, 224, 224}, .layout = "NCHW"}};
  r.source_outputs = {{.name = "logits", .dtype = DType::kF32, .shape = {1, 1000}}};
  r.source_runtime = "ref";
  r.source_top1 = 0.816;
  r.source_top5 = 0.95;
  r.settings = {
      {"formats", "onnx,tflite"}, {"precisions", "fp32,fp16,int8"}, {"preset", "keras | torch"}};
  r.synthetic = {"Weights: seeded synthetic (seed 0), not trained.",
                 "Calibration: 64 synthetic inputs."};
  r.verification_data = "400 images from ../shared/data/images";
  r.variants = {variant("onnx", "fp32", 10176583, 1.0, 0.9999999),
                variant("onnx", "fp16", 5090000, 0.995, 0.99999),
                variant("onnx", "int8", 2700000, 0.9, 0.99),
                variant("tflite", "fp32", 10100000, 1.0, 0.9999998),
                variant("tflite", "fp16", 5050000, 0.9975, 0.99998),
                variant("tflite", "int8", 2650000, 0.5, 0.9)};
  for (VariantReport& v : r.variants) apply_tolerance(v, default_tolerance(v.precision));
  r.mconv_version = "0.1";
  r.created_utc = "2026-11-24T20:00:00Z";
  return r;
}

std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

TEST(Tolerance, FailsOnlyOutsideThePrecisionsLimits) {
  ConversionReport r = sample_report();
  for (size_t i = 0; i < 5; ++i)
    EXPECT_EQ(r.variants[i].verdict, Verdict::kPass) << i << " " << r.variants[i].reason;
  EXPECT_EQ(r.variants[5].verdict, Verdict::kFailed);
  EXPECT_NE(r.variants[5].reason.find("top-1 agreement 0.5000 < 0.8000"), std::string::npos)
      << r.variants[5].reason;
  EXPECT_NE(r.variants[5].reason.find("cosine"), std::string::npos);
  EXPECT_FALSE(r.all_passed());

  VariantReport fp32 = variant("onnx", "fp32", 1, 1.0, 0.999);
  apply_tolerance(fp32, default_tolerance("fp32"));
  EXPECT_EQ(fp32.verdict, Verdict::kFailed);
  VariantReport absent;  // no metrics: nothing to judge
  apply_tolerance(absent, default_tolerance("int8"));
  EXPECT_EQ(absent.verdict, Verdict::kPass);
  VariantReport broken = variant("onnx", "fp32", 1, 1.0, 1.0);
  broken.verdict = Verdict::kFailed;
  broken.reason = "export failed";
  apply_tolerance(broken, default_tolerance("fp32"));
  EXPECT_EQ(broken.reason, "export failed");
}

TEST(ReportJson, ParsesBackToTheSameFacts) {
  const ConversionReport r = sample_report();
  Json j = JsonReader::parse(render_json(r));
  EXPECT_EQ(j["model_name"].text, r.model_name);
  EXPECT_EQ(j["source"]["path"].text, "zoo:mobilenet_v3_small");
  EXPECT_EQ(j["source"]["inputs"][0]["layout"].text, "NCHW");
  EXPECT_DOUBLE_EQ(j["source"]["top1"].number, 0.816);
  EXPECT_EQ(j["settings"]["preset"].text, "keras | torch");
  ASSERT_EQ(j["synthetic"].items.size(), 2u);
  EXPECT_EQ(j["synthetic"][1].text, "Calibration: 64 synthetic inputs.");
  EXPECT_FALSE(j["all_passed"].boolean);
  EXPECT_EQ(j["all_passed"].kind, Json::kBool);
  EXPECT_EQ(j["chart"].text, "report.svg");
  const Json& variants = j["variants"];
  ASSERT_EQ(variants.items.size(), r.variants.size());
  for (size_t i = 0; i < r.variants.size(); ++i) {
    const VariantReport& want = r.variants[i];
    const Json& got = variants[i];
    EXPECT_EQ(got["format"].text, want.format);
    EXPECT_EQ(got["precision"].text, want.precision);
    EXPECT_EQ(got["path"].text, want.path);
    EXPECT_EQ(static_cast<int64_t>(got["file_bytes"].number), want.file_bytes);
    EXPECT_EQ(got["runtime"].text, want.runtime);
    EXPECT_NEAR(got["cosine"].number, *want.cosine, 1e-8);
    EXPECT_NEAR(got["top1_agreement"].number, *want.top1_agreement, 1e-9);
    EXPECT_NEAR(got["latency_p50_ms"].number, *want.latency_p50_ms, 1e-6);
    EXPECT_EQ(got["verdict"].text, std::string(verdict_name(want.verdict)));
    EXPECT_EQ(got["reason"].text, want.reason);
    ASSERT_EQ(got["inputs"].items.size(), 1u);
    std::vector<int64_t> shape;
    for (const Json& d : got["inputs"][0]["shape"].items)
      shape.push_back(static_cast<int64_t>(d.number));
    EXPECT_EQ(shape, want.inputs[0].shape);
  }
  // Absent metrics are null, not zero.
  ConversionReport bare = r;
  bare.variants[0].top1.reset();
  Json b = JsonReader::parse(render_json(bare));
  EXPECT_EQ(b["variants"][0]["top1"].kind, Json::kNull);
}

TEST(ReportMarkdown, OneTableRowPerVariantAndTheChartLink) {
  const ConversionReport r = sample_report();
  const std::string md = render_markdown(r);
  std::vector<std::string> rows;
  bool header = false;
  for (const std::string& line : lines(md)) {
    if (line.rfind("| format | precision | file | size |", 0) == 0) header = true;
    if (line.rfind("| ONNX |", 0) == 0 || line.rfind("| TFLite |", 0) == 0) rows.push_back(line);
  }
  EXPECT_TRUE(header);
  ASSERT_EQ(rows.size(), 6u);
  EXPECT_NE(
      rows[0].find("| fp32 | `m_fp32.onnx` | 9.7 MiB | f32[?,3,224,224] NCHW | f32[1,1000] |"),
      std::string::npos)
      << rows[0];
  EXPECT_NE(rows[0].find("| 100.0% | 80.0% | 95.0% | 1.000000 |"), std::string::npos) << rows[0];
  EXPECT_NE(rows[3].find("f32[1,224,224,3] NHWC"), std::string::npos) << rows[3];
  EXPECT_NE(rows[5].find("| **FAILED** |"), std::string::npos) << rows[5];
  for (int i = 0; i < 5; ++i) EXPECT_NE(rows[i].find("| PASS |"), std::string::npos) << rows[i];
  // 14 columns in every row: 15 unescaped pipes.
  for (const std::string& row : rows) {
    int pipes = 0;
    for (size_t i = 0; i < row.size(); ++i)
      pipes += row[i] == '|' && (i == 0 || row[i - 1] != '\\');
    EXPECT_EQ(pipes, 15) << row;
  }
  EXPECT_NE(md.find("](report.svg)"), std::string::npos);
  EXPECT_NE(md.find("**1 of 6 variants FAILED.**"), std::string::npos);
  EXPECT_NE(md.find("- TFLite int8: top-1 agreement"), std::string::npos);
  EXPECT_NE(md.find("| preset | keras \\| torch |"), std::string::npos);
  EXPECT_NE(md.find("- Weights: seeded synthetic (seed 0), not trained."), std::string::npos);
  EXPECT_NE(md.find("Source accuracy: top-1 81.6%, top-5 95.0%."), std::string::npos);

  ConversionReport real = r;
  real.synthetic.clear();
  EXPECT_NE(render_markdown(real).find("Nothing was synthetic"), std::string::npos);
}

// Checks that every tag is closed in order (a small well-formedness check; no DTD, no CDATA).
void expect_balanced_xml(const std::string& svg) {
  std::vector<std::string> open;
  size_t pos = svg.find("<svg");
  ASSERT_NE(pos, std::string::npos);
  while ((pos = svg.find('<', pos)) != std::string::npos) {
    size_t end = svg.find('>', pos);
    ASSERT_NE(end, std::string::npos);
    std::string tag = svg.substr(pos + 1, end - pos - 1);
    pos = end + 1;
    if (tag.empty()) FAIL() << "empty tag";
    if (tag[0] == '/') {
      ASSERT_FALSE(open.empty()) << "close without open: " << tag;
      EXPECT_EQ(open.back(), tag.substr(1));
      open.pop_back();
    } else if (tag.back() != '/') {
      open.push_back(tag.substr(0, tag.find_first_of(" \n")));
    }
  }
  EXPECT_TRUE(open.empty());
  // Text and attributes hold no raw '&' that is not an entity.
  for (size_t i = svg.find('&'); i != std::string::npos; i = svg.find('&', i + 1))
    EXPECT_TRUE(svg.compare(i, 5, "&amp;") == 0 || svg.compare(i, 4, "&lt;") == 0 ||
                svg.compare(i, 4, "&gt;") == 0 || svg.compare(i, 6, "&quot;") == 0 ||
                svg.compare(i, 6, "&apos;") == 0)
        << svg.substr(i, 10);
}

int count(const std::string& text, const std::string& what) {
  int n = 0;
  for (size_t i = text.find(what); i != std::string::npos; i = text.find(what, i + 1)) ++n;
  return n;
}

TEST(ReportSvg, WellFormedWithOneBarPerVariantInEachPanel) {
  const ConversionReport r = sample_report();
  const std::string svg = render_svg(r);
  expect_balanced_xml(svg);
  for (const char* panel : {"size", "accuracy", "latency"}) {
    size_t start = svg.find(std::string("data-panel=\"") + panel + "\"");
    ASSERT_NE(start, std::string::npos) << panel;
    size_t end = svg.find("</g>", start);
    const std::string body = svg.substr(start, end - start);
    EXPECT_EQ(count(body, "class=\"bar\""), 6) << panel;
    for (const VariantReport& v : r.variants)
      EXPECT_EQ(count(body, "data-variant=\"" + v.format + "_" + v.precision + "\""), 1) << panel;
    EXPECT_NE(body.find("class=\"axis-title\""), std::string::npos) << panel;
  }
  EXPECT_EQ(count(svg, "stroke=\"#d62728\" stroke-width=\"3\"><title>"), 3);  // FAILED, 3 panels
  EXPECT_NE(svg.find("mobilenet &lt;v3&gt; &amp; co"), std::string::npos);
  EXPECT_NE(svg.find("Top-1 accuracy on the labelled images"), std::string::npos);
  EXPECT_NE(svg.find("source 81.6%"), std::string::npos);

  // Taller bars for bigger files: the fp32 ONNX bar is about twice the fp16 one.
  auto bar_height = [&](const std::string& id) {
    size_t at = svg.find("data-variant=\"" + id + "\"");
    size_t h = svg.find("height=\"", at) + 8;
    return std::stod(svg.substr(h));
  };
  EXPECT_NEAR(bar_height("onnx_fp32") / bar_height("onnx_fp16"), 10176583.0 / 5090000, 0.02);

  ConversionReport no_labels = r;
  for (VariantReport& v : no_labels.variants) v.top1.reset();
  no_labels.variants[1].top1_agreement.reset();
  const std::string svg2 = render_svg(no_labels);
  expect_balanced_xml(svg2);
  EXPECT_NE(svg2.find("Top-1 agreement with the source model"), std::string::npos);
  EXPECT_EQ(count(svg2, "class=\"bar\""), 6 + 5 + 6);  // the missing agreement shows n/a
  EXPECT_NE(svg2.find(">n/a</text>"), std::string::npos);

  // A variant that was never written has no size bar (not a zero-height one).
  ConversionReport unwritten = r;
  unwritten.variants[2].file_bytes = 0;
  const std::string svg3 = render_svg(unwritten);
  size_t size_start = svg3.find("data-panel=\"size\"");
  const std::string size_panel =
      svg3.substr(size_start, svg3.find("</g>", size_start) - size_start);
  EXPECT_EQ(count(size_panel, "class=\"bar\""), 5);
}

TEST(ReportFiles, WritesAllThreeAtomically) {
  const std::string dir = test::make_temp_dir("report");
  const ConversionReport r = sample_report();
  ASSERT_TRUE(write_report(r, dir).ok());
  for (const char* name : {kReportMarkdown, kReportJson, kReportChart}) {
    std::ifstream in(dir + "/" + name);
    ASSERT_TRUE(in.good()) << name;
    std::stringstream text;
    text << in.rdbuf();
    EXPECT_GT(text.str().size(), 500u) << name;
  }
  for (const auto& entry : std::filesystem::directory_iterator(dir))
    EXPECT_EQ(entry.path().string().find(".tmp"), std::string::npos) << entry.path();
  Status missing = write_report(r, dir + "/nope");
  EXPECT_FALSE(missing.ok());
  EXPECT_NE(missing.message().find("does not exist"), std::string::npos);
}

TEST(ReportFormat, NumbersReadWell) {
  EXPECT_EQ(format_bytes(512), "512 B");
  EXPECT_EQ(format_bytes(10176583), "9.7 MiB");
  EXPECT_EQ(format_percent(0.8165), "81.7%");
  EXPECT_EQ(format_percent(std::nullopt), "n/a");
  EXPECT_EQ(tensor_text({.name = "x",
                         .dtype = DType::kU8,
                         .shape = {-1, 224, 224, 3},
                         .dim_names = {"batch", "", "", ""},
                         .layout = "NHWC"}),
            "u8[?,224,224,3] NHWC");
}

}  // namespace
}  // namespace mconv::report
