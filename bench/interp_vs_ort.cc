// Times the reference interpreter against ONNX Runtime on one ONNX model and one input:
// W warm-up runs, then R timed runs of each, printing ms/image (mean, p50, min) side by side and
// the largest difference between their outputs.
//
//   mconv_bench_interp_vs_ort model.onnx [--input x.npy] [--warmup W] [--runs R] [--threads T]
//                             [--profile] [--nhwc]
//
// --nhwc runs the interpreter on the graph after passes::rewrite_for_nhwc (input kept NCHW, one
// Transpose after it), i.e. the channels-last kernels a TFLite-bound graph uses.
// --profile adds the interpreter's time per op type and its slowest nodes (measured in extra
// runs, so the main figures are not disturbed by the timers).
// --input takes the first row of a batched .npy (the shared *.input.npy files hold two);
// without it a seeded standard-normal tensor of the model's input shape (dynamic dims = 1) is
// used. ms/image divides by the batch size of the input.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <functional>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "core/npy.h"
#include "onnx/onnx_importer.h"
#include "ort/ort_session.h"
#include "passes/rewrite_for_nhwc.h"
#include "runtime/interpreter.h"

namespace {

using mconv::DType;
using mconv::Tensor;

struct Options {
  std::string model;     // ONNX file
  std::string input;     // optional .npy input
  int warmup = 5;        // untimed runs per engine
  int runs = 30;         // timed runs per engine
  int threads = 1;       // intra-op threads for both engines
  bool profile = false;  // also print the interpreter's per-op breakdown
  bool nhwc = false;     // interpreter runs the NHWC-rewritten graph
};

struct Timing {
  double mean_ms = 0;     // average wall time over the timed runs
  double p50_ms = 0;      // median wall time
  double min_ms = 0;      // fastest run
  double cpu_p50_ms = 0;  // median process CPU time (all threads): robust on a busy machine
};

double process_cpu_ms() {
  timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec * 1e-6;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

[[noreturn]] void fail(const std::string& message) {
  std::fprintf(stderr, "mconv_bench_interp_vs_ort: %s\n", message.c_str());
  std::exit(1);
}

Options parse_args(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) fail("missing value after " + arg);
      return argv[++i];
    };
    if (arg == "--input") {
      o.input = next();
    } else if (arg == "--warmup") {
      o.warmup = std::atoi(next().c_str());
    } else if (arg == "--runs") {
      o.runs = std::atoi(next().c_str());
    } else if (arg == "--threads") {
      o.threads = std::atoi(next().c_str());
    } else if (arg == "--profile") {
      o.profile = true;
    } else if (arg == "--nhwc") {
      o.nhwc = true;
    } else if (!arg.empty() && arg[0] == '-') {
      fail("unknown option " + arg);
    } else if (o.model.empty()) {
      o.model = arg;
    } else {
      fail("more than one model given");
    }
  }
  if (o.model.empty())
    fail(
        "usage: mconv_bench_interp_vs_ort model.onnx [--input x.npy] [--warmup W] [--runs R] "
        "[--threads T] [--profile] [--nhwc]");
  if (o.runs < 1 || o.warmup < 0 || o.threads < 1) fail("runs, warmup and threads must be sane");
  return o;
}

Tensor first_row(const Tensor& t) {
  std::vector<int64_t> shape = t.shape();
  shape[0] = 1;
  Tensor out(t.dtype(), shape);
  std::memcpy(out.raw(), t.raw(), out.byte_size());
  return out;
}

Tensor random_input(const mconv::TensorSpec& sig) {
  std::vector<int64_t> shape = sig.shape;
  for (int64_t& d : shape)
    if (d < 0) d = 1;
  Tensor t(DType::kF32, shape);
  std::mt19937 rng(1234);
  std::normal_distribution<float> dist;
  for (int64_t i = 0; i < t.element_count(); ++i) t.data<float>()[i] = dist(rng);
  return t;
}

Timing time_runs(const Options& o, const std::function<void()>& run) {
  for (int i = 0; i < o.warmup; ++i) run();
  std::vector<double> ms, cpu;
  for (int i = 0; i < o.runs; ++i) {
    const double cpu_start = process_cpu_ms();
    const auto start = std::chrono::steady_clock::now();
    run();
    const auto end = std::chrono::steady_clock::now();
    cpu.push_back(process_cpu_ms() - cpu_start);
    ms.push_back(std::chrono::duration<double, std::milli>(end - start).count());
  }
  Timing t;
  for (double v : ms) t.mean_ms += v / ms.size();
  t.p50_ms = median(ms);
  t.min_ms = *std::min_element(ms.begin(), ms.end());
  t.cpu_p50_ms = median(cpu);
  return t;
}

// Runs a profiling interpreter `runs` times and prints time per op type and the slowest nodes.
void print_profile(const mconv::ir::Graph& graph, const Options& o,
                   const std::vector<Tensor>& feeds) {
  mconv::runtime::InterpreterOptions options;
  options.threads = o.threads;
  options.profile = true;
  auto interp = mconv::runtime::Interpreter::Create(graph, options);
  if (!interp.ok()) fail(interp.status().message());
  for (int i = 0; i < o.warmup + o.runs; ++i)
    if (!(*interp)->run(feeds).ok()) fail("profiling run failed");
  // Warm-up runs are included in the totals; the shares are what matter here.
  std::vector<mconv::runtime::NodeProfile> nodes = (*interp)->profile();
  std::map<std::string, std::pair<double, int>> by_op;  // op -> (ms per run, node count)
  double total = 0;
  for (const auto& n : nodes) {
    const double ms = n.total_ms / std::max<int64_t>(n.runs, 1);
    auto& entry = by_op[std::string(mconv::ir::op_name(n.node->op))];
    entry.first += ms;
    entry.second += 1;
    total += ms;
  }
  std::vector<std::pair<std::string, std::pair<double, int>>> ops(by_op.begin(), by_op.end());
  std::sort(ops.begin(), ops.end(),
            [](const auto& a, const auto& b) { return a.second.first > b.second.first; });
  std::printf("\ninterpreter profile (ms per run, sum of kernels %.2f ms)\n", total);
  for (const auto& [op, v] : ops)
    std::printf("  %-20s %8.3f ms  %5.1f%%  (%d nodes)\n", op.c_str(), v.first,
                100.0 * v.first / total, v.second);
  std::sort(nodes.begin(), nodes.end(), [](const auto& a, const auto& b) {
    return a.total_ms / std::max<int64_t>(a.runs, 1) > b.total_ms / std::max<int64_t>(b.runs, 1);
  });
  std::printf("slowest nodes\n");
  for (size_t i = 0; i < std::min<size_t>(10, nodes.size()); ++i)
    std::printf("  %-40s %-12s %8.3f ms\n", nodes[i].node->name.c_str(),
                std::string(mconv::ir::op_name(nodes[i].node->op)).c_str(),
                nodes[i].total_ms / std::max<int64_t>(nodes[i].runs, 1));
}

}  // namespace

int main(int argc, char** argv) {
  const Options o = parse_args(argc, argv);

  auto model = mconv::onnx::import_onnx_file(o.model);
  if (!model.ok()) fail(o.model + ": " + model.status().message());
  if (o.nhwc) {
    mconv::passes::NhwcOptions nhwc;
    nhwc.keep_nchw_input = true;
    auto rewritten = mconv::passes::rewrite_for_nhwc(model->graph, nhwc);
    if (!rewritten.ok()) fail(o.model + ": " + rewritten.status().message());
  }
  mconv::runtime::InterpreterOptions interp_options;
  interp_options.threads = o.threads;
  auto interp = mconv::runtime::Interpreter::Create(model->graph, interp_options);
  if (!interp.ok()) fail(o.model + ": " + interp.status().message());

  mconv::ort::OrtOptions ort_options;
  ort_options.threads = o.threads;
  auto session = mconv::ort::OrtSession::Load(o.model, ort_options);
  if (!session.ok()) fail(o.model + ": " + session.status().message());
  if ((*session)->inputs().size() != 1) fail("only single-input models are supported");

  Tensor input;
  if (!o.input.empty()) {
    auto npy = mconv::read_npy(o.input);
    if (!npy.ok()) fail(o.input + ": " + npy.status().message());
    input = (*session)->inputs()[0].shape.at(0) == 1 ? first_row(*npy) : *npy;
  } else {
    input = random_input((*session)->inputs()[0]);
  }
  const std::vector<Tensor> feeds = {input};
  const double batch = static_cast<double>(std::max<int64_t>(input.dim(0), 1));

  std::vector<Tensor> interp_out, ort_out;
  auto run_interp = [&] {
    auto r = (*interp)->run(feeds);
    if (!r.ok()) fail("interpreter: " + r.status().message());
    interp_out = std::move(*r);
  };
  auto run_ort = [&] {
    auto r = (*session)->run(feeds);
    if (!r.ok()) fail("onnxruntime: " + r.status().message());
    ort_out = std::move(*r);
  };
  const Timing ti = time_runs(o, run_interp);
  const Timing to = time_runs(o, run_ort);

  double max_diff = 0;
  for (size_t i = 0; i < std::min(interp_out.size(), ort_out.size()); ++i) {
    const auto a = interp_out[i].to_f32(), b = ort_out[i].to_f32();
    if (a.size() != b.size()) fail("output " + std::to_string(i) + " sizes differ");
    for (size_t j = 0; j < a.size(); ++j)
      max_diff = std::max(max_diff, double(std::fabs(a[j] - b[j])));
  }

  std::printf("model    %s\n", o.model.c_str());
  std::printf("input    %s  threads %d  warmup %d  runs %d  interpreter layout %s\n",
              input.describe().c_str(), o.threads, o.warmup, o.runs, o.nhwc ? "NHWC" : "NCHW");
  std::printf("%-22s %10s %10s %10s %10s\n", "engine (ms/image)", "mean", "p50", "min", "cpu p50");
  std::printf("%-22s %10.2f %10.2f %10.2f %10.2f\n", "mconv interpreter", ti.mean_ms / batch,
              ti.p50_ms / batch, ti.min_ms / batch, ti.cpu_p50_ms / batch);
  std::printf("%-22s %10.2f %10.2f %10.2f %10.2f\n",
              ("onnxruntime " + mconv::ort::onnxruntime_version()).c_str(), to.mean_ms / batch,
              to.p50_ms / batch, to.min_ms / batch, to.cpu_p50_ms / batch);
  std::printf("interpreter / ort (p50): %.2fx\n", ti.p50_ms / to.p50_ms);
  std::printf("max |interpreter - ort| over outputs: %.3g\n", max_diff);
  if (o.profile) print_profile(model->graph, o, feeds);
  return 0;
}
