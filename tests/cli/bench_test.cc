// `mconv bench` through the built binary: JSON facts, the side-by-side table, runtime choice and
// fallback, per-model failures, progress lines.
#include <filesystem>

#include "../report/mini_json.h"
#include "cli_test_util.h"

namespace mconv::test {
namespace {

std::string op17() {
  return model_file("mobilenet_v3_small_op17.onnx");
}
std::string keras() {
  return model_file("keras_mobilenet_v3_small_int8_dynrange.tflite");
}

// The JSON document in `output` (stdout and stderr are merged; JSON starts at the first '{').
Json parse_json_output(const std::string& output) {
  size_t start = output.find('{');
  size_t end = output.rfind('}');
  if (start == std::string::npos || end == std::string::npos) throw std::runtime_error(output);
  return JsonReader::parse(output.substr(start, end - start + 1));
}

std::string row(const std::string& output, const std::string& label) {
  for (const std::string& line : lines_of(output))
    if (line.rfind(label + " ", 0) == 0) return line;
  return "";
}

TEST(Bench, HelpListsTheOptions) {
  CommandResult r = run_mconv("bench --help");
  EXPECT_EQ(r.exit_code, 0);
  for (const char* opt : {"--runtime ort|tflite|litert|ref", "--threads", "--warmup", "--runs", "--json"})
    EXPECT_NE(r.output.find(opt), std::string::npos) << opt;
  CommandResult top = run_mconv("--help");
  EXPECT_NE(top.output.find("  bench"), std::string::npos);
}

TEST(Bench, JsonReportsLatencyPercentilesRssAndSize) {
  MCONV_REQUIRE_SHARED_FILE(op17());
  CommandResult r = run_mconv("bench " + shell_quote(op17()) + " --runs 7 --warmup 1 --json");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  Json j = parse_json_output(r.output);
  EXPECT_EQ(j["runs"].number, 7);
  ASSERT_EQ(j["models"].items.size(), 1u);
  const Json& m = j["models"][0];
  EXPECT_TRUE(m["ok"].boolean);
  EXPECT_EQ(m["runtime"].text, "ort");
  EXPECT_EQ(m["format"].text, "ONNX");
  EXPECT_EQ(m["inputs"].text, "f32[1,3,224,224]");
  EXPECT_EQ(static_cast<int64_t>(m["file_bytes"].number),
            static_cast<int64_t>(std::filesystem::file_size(op17())));
  const Json& lat = m["latency_ms"];
  EXPECT_GT(lat["min"].number, 0);
  EXPECT_LE(lat["min"].number, lat["p50"].number);
  EXPECT_LE(lat["p50"].number, lat["p90"].number);
  EXPECT_LE(lat["p90"].number, lat["p99"].number);
  EXPECT_LE(lat["p99"].number, lat["max"].number);
  EXPECT_GE(lat["mean"].number, lat["min"].number);
  EXPECT_LE(lat["mean"].number, lat["max"].number);
  EXPECT_GT(m["load_ms"].number, 0);
  EXPECT_GT(m["first_inference_ms"].number, 0);
  // ORT with a 10 MB model resident: tens of MB at least.
  EXPECT_GT(m["peak_rss_bytes"].number, 20e6);
  // Per model when the kernel lets /proc/self/clear_refs reset the peak, else cumulative.
  EXPECT_EQ(m["peak_rss_scope"].text.rfind("mconv process", 0), 0u) << m["peak_rss_scope"].text;
}

TEST(Bench, SideBySideTableForOnnxAndTflite) {
  MCONV_REQUIRE_SHARED_FILE(op17());
  MCONV_REQUIRE_SHARED_FILE(keras());
  CommandResult r = run_mconv("bench " + shell_quote(op17()) + " " + shell_quote(keras()) +
                              " --runs 3 --warmup 0");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const std::string models = row(r.output, "model");
  EXPECT_NE(models.find("mobilenet_v3_small_op17.onnx"), std::string::npos) << r.output;
  EXPECT_NE(models.find("keras_mobilenet_v3_small_int8_dynrange.tflite"), std::string::npos);
  const std::string runtimes = row(r.output, "runtime");
  EXPECT_NE(runtimes.find("ort"), std::string::npos) << r.output;
  // TFLite runs in LiteRT when installed; otherwise the reference interpreter, said in a note.
  const bool litert = runtimes.find("litert") != std::string::npos;
  if (!litert) EXPECT_NE(r.output.find("LiteRT not available"), std::string::npos) << r.output;
  if (in_ci()) EXPECT_TRUE(litert) << r.output;
  for (const char* label : {"file size", "load", "first inference", "latency mean", "latency p50",
                            "latency p90", "latency p99", "peak RSS"})
    EXPECT_NE(row(r.output, label), "") << label << "\n" << r.output;
  EXPECT_NE(row(r.output, "inputs").find("f32[1,224,224,3]"), std::string::npos) << r.output;
}

TEST(Bench, ReferenceInterpreterOnTflite) {
  MCONV_REQUIRE_SHARED_FILE(keras());
  CommandResult r = run_mconv("bench " + shell_quote(keras()) + " --runtime ref --runs 2 --json");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  Json j = parse_json_output(r.output);
  EXPECT_EQ(j["models"][0]["runtime"].text, "ref");
  EXPECT_EQ(j["models"][0]["inputs"].text, "f32[1,224,224,3]");
}

TEST(Bench, MissingLiteRtFallsBackToTheReferenceInterpreterAndSaysSo) {
  MCONV_REQUIRE_SHARED_FILE(keras());
  CommandResult r = run_command("MCONV_LITERT_HOME=/nonexistent/litert '" + mconv_binary() +
                                "' bench " + shell_quote(keras()) + " --runs 1 --warmup 0 2>&1");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(row(r.output, "runtime").find("ref"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("note: "), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("/nonexistent/litert"), std::string::npos) << r.output;
  // Forcing LiteRT when it is missing is an error instead.
  CommandResult forced = run_command("MCONV_LITERT_HOME=/nonexistent/litert '" + mconv_binary() +
                                     "' bench " + shell_quote(keras()) + " --runtime litert 2>&1");
  EXPECT_EQ(forced.exit_code, 1) << forced.output;
  EXPECT_NE(forced.output.find("LiteRT not available"), std::string::npos) << forced.output;
}

TEST(Bench, AFailingModelDoesNotHideTheOthers) {
  MCONV_REQUIRE_SHARED_FILE(op17());
  CommandResult r = run_mconv("bench /nonexistent/model.onnx " + shell_quote(op17()) +
                              " --runs 2 --warmup 0 --json");
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_NE(r.output.find("mconv: /nonexistent/model.onnx: "), std::string::npos) << r.output;
  Json j = parse_json_output(r.output.substr(0, r.output.find("mconv: ")));
  ASSERT_EQ(j["models"].items.size(), 2u);
  EXPECT_FALSE(j["models"][0]["ok"].boolean);
  EXPECT_TRUE(j["models"][1]["ok"].boolean);
}

TEST(Bench, UsageErrors) {
  EXPECT_EQ(run_mconv("bench").exit_code, 2);
  EXPECT_EQ(run_mconv("bench x.onnx --runs 0").exit_code, 2);
  EXPECT_EQ(run_mconv("bench x.onnx --runtime tpu").exit_code, 2);
  MCONV_REQUIRE_SHARED_FILE(op17());
  CommandResult r = run_mconv("bench " + shell_quote(op17()) + " --runtime litert");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.output.find("TFLite files only"), std::string::npos) << r.output;
}

TEST(Bench, ProgressLinesOnRequestAndSilenceOtherwise) {
  MCONV_REQUIRE_SHARED_FILE(op17());
  // Only stderr is captured: (stderr -> pipe, stdout -> /dev/null) inside a subshell.
  auto cmd = [&](const std::string& env) {
    return "(" + env + " '" + mconv_binary() + "' bench " + shell_quote(op17()) +
           " --runs 4 --warmup 1 --json 2>&1 >/dev/null)";
  };
  CommandResult lines = run_command(cmd("MCONV_PROGRESS=lines"));
  EXPECT_NE(lines.output.find("bench mobilenet_v3_small_op17.onnx: 6/6 in "), std::string::npos)
      << lines.output;
  CommandResult quiet = run_command(cmd("env -u MCONV_PROGRESS"));  // a pipe: no bar, no lines
  EXPECT_EQ(quiet.output, "");
  CommandResult bar = run_command(cmd("MCONV_PROGRESS=bar"));
  EXPECT_NE(bar.output.find("] 6/6"), std::string::npos) << bar.output;
  EXPECT_NE(bar.output.find("\r\033[K"), std::string::npos);
}

}  // namespace
}  // namespace mconv::test
