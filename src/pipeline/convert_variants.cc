#include "pipeline/convert_variants.h"

#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>

#include "core/bytes.h"
#include "core/file_io.h"
#include "data/dataset.h"
#include "data/preprocess.h"
#include "delegates/delegate_analysis.h"
#include "litert/litert_stream.h"
#include "pipeline/model_runs.h"
#include "pipeline/variant_runs.h"
#include "pipeline/verdict.h"
#include "quant/range_estimation.h"
#include "report/metrics.h"

namespace mconv::pipeline {
namespace {

std::string fixed(double v, int digits) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", digits, v);
  return buf;
}

std::string ext_of(ModelFormat f) {
  return f == ModelFormat::kOnnx ? "onnx" : "tflite";
}

// The settings of a run, as report.md lists them.
std::vector<std::pair<std::string, std::string>> run_settings(const VariantsOptions& options) {
  const ConvertOptions& c = options.convert;
  std::string formats, precisions;
  for (ModelFormat f : options.formats) formats += (formats.empty() ? "" : ",") + ext_of(f);
  for (Precision p : options.precisions)
    precisions += (precisions.empty() ? "" : ",") + std::string(precision_name(p));
  return {
      {"formats", formats},
      {"precisions", precisions},
      {"preset", c.calibration.preset},
      {"calibration",
       c.calibration.dir.empty()
           ? "synthetic"
           : c.calibration.dir + " (first " + std::to_string(c.calibration.count) + " images)"},
      {"activation ranges",
       std::string(quant::range_method_name(c.ptq.quantize.activation_range.method))},
      {"channel split groups", std::to_string(c.ptq.split.max_groups)},
      {"ONNX opset", std::to_string(c.opset)},
      {"fp16 ONNX I/O", c.keep_io_types ? "float32" : "float16"},
      {"threads", std::to_string(options.threads)},
      {"target", std::string(passes::delegate_target_name(c.delegate_target))},
  };
}

// The file's delegate coverage (`mconv inspect --delegates --json`) and what --target rewrote.
void fill_delegate_coverage(const std::vector<uint8_t>& bytes, const std::string& file,
                            const ConvertOptions& convert, const ConvertReport& convert_report,
                            report::VariantReport& v) {
  for (const passes::PassEntry& entry : passes::delegate_form_passes(
           convert.delegate_target, convert.target == ModelFormat::kTflite))
    for (const passes::PassReport& ran : convert_report.passes)
      if (ran.name == entry.name && ran.changes > 0)
        v.target_changes +=
            (v.target_changes.empty() ? "" : ", ") + ran.name + ": " + std::to_string(ran.changes);
  auto analysis = delegates::analyze_model_bytes(bytes, file);
  if (!analysis.ok()) return;
  for (const delegates::DelegateCoverage& d : analysis->delegates) {
    report::DelegateCoverageRow row;
    row.key = d.key;
    row.name = d.name;
    row.rules_source = d.source;
    row.nodes = d.nodes;
    row.taken = d.taken;
    row.partition_sizes = d.partition_sizes;
    row.verdict = d.verdict;
    row.verdict_text = d.verdict_text;
    for (const delegates::NotTaken& n : d.not_taken)
      row.not_taken.push_back({n.node, n.op, n.reason});
    v.delegates.push_back(std::move(row));
  }
}

}  // namespace

Tolerance synthetic_tolerance(Precision precision) {
  // Random inputs give near-equal scores, so the top-1 class is a tie-break, not a decision:
  // int8 is judged on output similarity only (agreement is still reported).
  Tolerance t = default_tolerance(precision);
  if (precision == Precision::kInt8) t = {.min_top1_agreement = 0.0, .min_cosine = 0.90};
  return t;
}

std::vector<std::string> tolerance_misses(const report::OutputComparison& comparison,
                                          const Tolerance& tolerance) {
  std::vector<std::string> misses;
  if (comparison.top1_agreement < tolerance.min_top1_agreement)
    misses.push_back("top-1 agreement " + fixed(comparison.top1_agreement * 100, 1) + "% < " +
                     fixed(tolerance.min_top1_agreement * 100, 1) + "%");
  if (!(comparison.cosine_mean >= tolerance.min_cosine))
    misses.push_back("cosine " + fixed(comparison.cosine_mean, 6) + " < " +
                     fixed(tolerance.min_cosine, 4));
  return misses;
}

std::string tolerance_text(const Tolerance& t) {
  return "top-1 agreement >= " + fixed(t.min_top1_agreement * 100, 1) +
         "%, cosine >= " + fixed(t.min_cosine, 4);
}

Tensor head_rows(const Tensor& t, int64_t n) {
  if (t.rank() == 0 || t.dim(0) <= n) return t;
  return row_range(t, 0, n);
}

Tolerance default_tolerance(Precision precision) {
  switch (precision) {
    case Precision::kFp32:
      return {.min_top1_agreement = 0.99, .min_cosine = 0.9999};
    case Precision::kFp16:
      return {.min_top1_agreement = 0.98, .min_cosine = 0.999};
    case Precision::kInt8:
      return {.min_top1_agreement = 0.85, .min_cosine = 0.95};
  }
  return {};
}

namespace {

// One variant through the run: its file, its verification shares and what the runtimes said.
struct Pending {
  report::VariantReport v;
  ModelFormat format = ModelFormat::kOnnx;
  Precision precision = Precision::kFp32;
  std::string file, path;  // file name in out_dir, full path
  // The verification batch in this variant's input layout: shared by every variant with that
  // layout (a 400-image batch is 240 MB; one copy per variant would be 1.4 GB).
  std::shared_ptr<const Tensor> batch;
  std::vector<Expected<RunResult>> parts;  // the native runtime's outputs, per share of the batch
  Expected<RunResult> run = Status::Error("not run");   // the shares joined
  Expected<RunResult> lite = Status::Error("not run");  // LiteRT's on the sample
  std::optional<size_t> litert_job;                     // its job in the LiteRT stream
  ir::QuantParams output_quant;                         // of output 0 (LiteRT's integer outputs)
  std::atomic<int64_t> verify_micros{0};                // time spent by its shares
  std::atomic<int64_t> verify_cpu_micros{0};            // CPU time of the threads running them
  bool written = false;
};

// CPU time of the calling thread, in seconds: on a shared machine the honest cost of a stage
// (wall time mostly measures the neighbours).
double thread_cpu_seconds() {
  timespec t{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) * 1e-9;
}

// User + system CPU seconds of this process (all threads), or of its waited-for children.
double process_cpu_seconds(int who) {
  rusage u{};
  getrusage(who, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) * 1e-6;
}

// Outputs of the shares of one batch, stacked back in order.
Tensor concat_rows(const std::vector<Tensor>& parts) {
  if (parts.size() == 1) return parts[0];
  std::vector<int64_t> shape = parts.at(0).shape();
  int64_t rows = 0;
  for (const Tensor& p : parts) rows += p.dim(0);
  shape[0] = rows;
  Tensor out(parts[0].dtype(), shape);
  size_t at = 0;
  for (const Tensor& p : parts) {
    copy_bytes(out.raw() + at, p.raw(), p.byte_size());
    at += p.byte_size();
  }
  return out;
}

// LiteRT's output 0 as real f32 values: an integer output dequantized with the variant's own
// output params (per tensor).
Expected<Tensor> real_litert_output(Tensor out, const ir::QuantParams& q) {
  if (out.dtype() == DType::kI8 || out.dtype() == DType::kU8) {
    if (q.scale.empty() || q.zero_point.empty())
      return Status::Error("integer output without quantization");
    out = report::dequantize(out, q.scale[0], q.zero_point[0]);
  }
  if (out.dtype() != DType::kF32) out = out.cast(DType::kF32);
  return out;
}

// How many sessions share one variant's verification: TFLite sessions load in milliseconds, so
// a long TFLite run is split over the threads (the last variant then does not run alone); an
// ONNX Runtime session costs a second or so to create, so ONNX variants run whole.
int shares_of(const Pending& p, int threads) {
  if (p.format != ModelFormat::kTflite || p.batch->dim(0) < 64) return 1;
  return threads;
}

// Longest first (so the threads finish together): int8 before fp16 before fp32, TFLite (whose
// int8 runs partly outside XNNPACK) before ONNX.
int expected_cost(const Pending& p) {
  const int precision = p.precision == Precision::kInt8 ? 2 : p.precision == Precision::kFp16;
  return precision * 2 + (p.format == ModelFormat::kTflite ? 1 : 0);
}

// One share of one variant's verification.
struct VerifyTask {
  Pending* p = nullptr;
  int share = 0, shares = 1;
};

// Verification tasks handed to the workers as the variants are written; a worker takes the
// costliest ready task (expected_cost) and waits while the queue is open and empty.
class VerifyQueue {
 public:
  void push(Pending& p, int shares) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      for (int k = 0; k < shares; ++k) ready_.push_back({&p, k, shares});
    }
    ready_cv_.notify_all();
  }
  void close() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      closed_ = true;
    }
    ready_cv_.notify_all();
  }
  std::optional<VerifyTask> pop() {
    std::unique_lock<std::mutex> lock(mutex_);
    ready_cv_.wait(lock, [&] { return closed_ || !ready_.empty(); });
    if (ready_.empty()) return std::nullopt;
    auto best = std::max_element(ready_.begin(), ready_.end(), [](const auto& a, const auto& b) {
      return expected_cost(*a.p) < expected_cost(*b.p);
    });
    const VerifyTask task = *best;
    ready_.erase(best);
    return task;
  }

 private:
  std::mutex mutex_;
  std::condition_variable ready_cv_;
  std::vector<VerifyTask> ready_;
  bool closed_ = false;
};

}  // namespace

Expected<report::ConversionReport> convert_variants(const ir::Model& source,
                                                    const VariantsOptions& options) {
  const auto run_start = Clock::now();
  const double cpu_at_start = process_cpu_seconds(RUSAGE_SELF);
  const double children_cpu_at_start = process_cpu_seconds(RUSAGE_CHILDREN);
  std::error_code ec;
  std::filesystem::create_directories(options.out_dir, ec);
  if (!std::filesystem::is_directory(options.out_dir))
    return Status::Error("cannot create output directory " + options.out_dir);
  if (source.graph.inputs.size() != 1 || source.graph.outputs.empty())
    return Status::Error("the multi-variant pipeline needs a model with one input");
  const ir::Value& input = *source.graph.inputs[0];
  const int threads = std::max(1, options.threads);

  report::ConversionReport rep;
  rep.model_name = options.name;
  rep.source = options.source_label;
  rep.source_format = source.source_format;
  rep.source_inputs = runtimes::specs_of(source.graph.inputs);
  rep.source_outputs = runtimes::specs_of(source.graph.outputs);
  rep.synthetic = options.synthetic;
  const CalibrationImages& calibration = options.convert.calibration;
  if (std::count(options.precisions.begin(), options.precisions.end(), Precision::kInt8) &&
      calibration.dir.empty())
    rep.synthetic.push_back("INT8 calibration: " + std::to_string(calibration.synthetic) +
                            " seeded random inputs, not images (give --calib DIR); quantized "
                            "in the previous form (6 channel groups, HardSwish whole, no "
                            "sequential bias correction), which measured best on noise.");
  rep.settings = run_settings(options);
  rep.settings.insert(rep.settings.end(), options.settings.begin(), options.settings.end());
  rep.source_runtime = "mconv reference interpreter (FP32 source graph)";

  // LiteRT's Node process starts first: it loads the WASM runtime while the variants are made,
  // and runs each TFLite variant's sample as soon as the file is written.
  std::string litert_why;
  std::unique_ptr<litert::LiteRtStream> litert_stream;
  const bool any_tflite =
      std::count(options.formats.begin(), options.formats.end(), ModelFormat::kTflite) > 0;
  if (options.litert_samples > 0 && any_tflite) {
    auto started = litert::LiteRtStream::Start();
    if (started.ok())
      litert_stream = std::move(started).value();
    else
      litert_why = started.status().message();
  }

  // Verification batch in the source's input layout.
  Tensor batch;
  std::vector<int64_t> labels;
  bool have_labels = false;
  const std::string batch_layout = image_layout_of(input);
  auto stage = Clock::now();
  if (!options.val_dir.empty()) {
    MCONV_ASSIGN_OR_RETURN(ImageInputSpec spec,
                           image_input_spec_from_shape(ir::static_dims(input.shape)));
    MCONV_ASSIGN_OR_RETURN(PreprocessPreset preset,
                           preset_from_name(options.convert.calibration.preset));
    MCONV_ASSIGN_OR_RETURN(std::vector<LabeledImage> all, list_image_folder(options.val_dir));
    std::optional<size_t> count;
    if (options.val_count > 0) count = options.val_count;
    MCONV_ASSIGN_OR_RETURN(std::vector<LabeledImage> some,
                           select_images(all, options.val_offset, count));
    MCONV_ASSIGN_OR_RETURN(
        batch, load_image_batch(some, make_preprocess(preset, spec.layout, spec.height, spec.width),
                                threads));
    for (int l : image_labels(some)) labels.push_back(l);
    have_labels = std::all_of(labels.begin(), labels.end(), [](int64_t l) { return l >= 0; });
    rep.verification_data = std::to_string(some.size()) + " images from " + options.val_dir +
                            " (images " + std::to_string(options.val_offset) + ".." +
                            std::to_string(options.val_offset + some.size() - 1) +
                            " by file name, preset " + options.convert.calibration.preset + ")";
  } else {
    batch = synthetic_inputs(input, options.synthetic_samples, 1234);
    rep.verification_data = std::to_string(options.synthetic_samples) +
                            " seeded standard-normal inputs (no --val images)";
    rep.synthetic.push_back("Verification inputs: seeded random tensors, not images (give --val).");
  }
  const double load_seconds = seconds_since(stage);

  // Reference: the source graph in the interpreter, on its own thread while the variants are
  // converted and verified (the two share nothing but the read-only source graph and batch). It
  // is the only stage reporting progress until it is joined, so the callback is never called
  // concurrently.
  Expected<Tensor> reference_run = Status::Error("reference not run");
  double reference_seconds = 0, reference_cpu_seconds = 0;
  std::thread reference_thread([&] {
    const auto start = Clock::now();
    const double cpu_start = thread_cpu_seconds();
    ProgressStage progress(options.progress, "reference outputs", batch.dim(0));
    reference_run = run_interpreter(source.graph, batch, &progress);
    progress.finish();
    reference_seconds = seconds_since(start);
    reference_cpu_seconds = thread_cpu_seconds() - cpu_start;
  });
  // Joined on every way out (an early return included).
  struct Joiner {
    std::thread& t;
    ~Joiner() {
      if (t.joinable()) t.join();
    }
  } join_reference{reference_thread};

  std::vector<std::string> timings;
  timings.push_back("load verification data " + fixed(load_seconds, 1) + " s");

  // 1. Convert and write every variant; queue each TFLite file for LiteRT when written.
  std::vector<std::unique_ptr<Pending>> pending;
  std::map<std::string, std::shared_ptr<const Tensor>> batches;  // by input layout
  std::map<std::string, std::string> litert_inputs;              // sample .npy by input layout
  // Every int8 variant calibrates on the same inputs: the first one decodes and calibrates, the
  // others reuse its inputs and statistics.
  auto calibration_share = std::make_shared<CalibrationShare>();
  std::string calibrated_by;  // the first int8 file: the one whose calibration ran
  // The variants in report order; converted int8 ones first: the calibration (the longest
  // conversion) starts at once beside the reference run and LiteRT's start, and the int8 files
  // (the longest to verify) reach the workers first, so the float ones fill the end evenly.
  for (ModelFormat format : options.formats)
    for (Precision precision : options.precisions) {
      pending.push_back(std::make_unique<Pending>());
      pending.back()->format = format;
      pending.back()->precision = precision;
    }
  std::vector<Pending*> conversion_order;
  for (bool int8 : {true, false})
    for (auto& p : pending)
      if ((p->precision == Precision::kInt8) == int8) conversion_order.push_back(p.get());

  // 2. (beside 1.) Verification in the native runtimes: each written variant's batch (in shares
  // for TFLite, see shares_of) is run by the workers, costliest first; this thread joins them
  // when every variant is written. A variant's latency is the median of its samples' runs.
  VerifyQueue queue;
  auto worker = [&] {
    while (std::optional<VerifyTask> t = queue.pop()) {
      Pending& p = *t->p;
      const int64_t n = p.batch->dim(0);
      const int64_t first = n * t->share / t->shares;
      const Rows rows{first, n * (t->share + 1) / t->shares - first};
      const auto start = Clock::now();
      const double cpu_start = thread_cpu_seconds();
      auto runtime = runtimes::open_runtime(runtimes::default_runtime(p.format), p.path, p.format);
      if (runtime.ok())
        p.parts[t->share] = run_samples(**runtime, *p.batch, 0, nullptr, rows);
      else
        p.parts[t->share] = runtime.status();
      p.verify_micros += static_cast<int64_t>(seconds_since(start) * 1e6);
      p.verify_cpu_micros += static_cast<int64_t>((thread_cpu_seconds() - cpu_start) * 1e6);
    }
  };
  std::vector<std::thread> workers;
  for (int t = 1; t < threads; ++t) workers.emplace_back(worker);
  // Closed and joined on every way out (an early return included).
  struct WorkersJoiner {
    VerifyQueue& queue;
    std::vector<std::thread>& workers;
    ~WorkersJoiner() {
      queue.close();
      for (std::thread& t : workers)
        if (t.joinable()) t.join();
    }
  } join_workers{queue, workers};

  const auto convert_start = Clock::now();
  for (Pending* next : conversion_order) {
    Pending& p = *next;
    const ModelFormat format = p.format;
    const Precision precision = p.precision;
    report::VariantReport& v = p.v;
    v.format = ext_of(format);
    v.precision = std::string(precision_name(precision));
    p.file = options.name + "_" + v.precision + "." + v.format;
    p.path = (std::filesystem::path(options.out_dir) / p.file).string();
    v.path = p.file;

    stage = Clock::now();
    ir::Model model = source.clone();  // the source's metadata too: every variant carries it
    ConvertOptions convert = options.convert;
    convert.target = format;
    convert.precision = precision;
    convert.calibration_share = calibration_share;
    ConvertReport convert_report;
    auto bytes = convert_model(model, convert, &convert_report);
    if (bytes.ok()) {
      if (Status st = write_file_atomic(p.path, *bytes); !st.ok()) bytes = st;
    }
    const double convert_seconds = seconds_since(stage);
    if (!bytes.ok()) {
      v.verdict = report::Verdict::kFailed;
      v.reason = "not written: " + bytes.status().message();
      timings.push_back(p.file + ": convert failed after " + fixed(convert_seconds, 1) + " s");
      continue;
    }
    p.written = true;
    v.file_bytes = static_cast<int64_t>(bytes->size());
    fill_delegate_coverage(*bytes, p.file, convert, convert_report, v);
    v.inputs = runtimes::specs_of(model.graph.inputs);
    v.outputs = runtimes::specs_of(model.graph.outputs);
    if (!model.graph.outputs.empty() && model.graph.outputs[0]->quant)
      p.output_quant = *model.graph.outputs[0]->quant;
    for (const std::string& w : convert_report.warnings) rep.notes.push_back(p.file + ": " + w);
    if (precision == Precision::kInt8) {
      if (calibrated_by.empty()) calibrated_by = p.file;
      rep.notes.push_back(
          p.file + ": calibrated on " + std::to_string(convert_report.calibration_images) + " " +
          (convert.calibration.dir.empty() ? "synthetic inputs" : "images") +
          (convert_report.calibration_shared
               ? " (the statistics of " + calibrated_by + "'s calibration, same inputs)"
               : "") +
          ", " + std::to_string(convert_report.chains_split) +
          " conv chains split into channel groups, " + std::to_string(convert_report.gates_folded) +
          " gates folded; " + int8_summary(convert_report.int8));
      v.int8 = int8_report(convert_report.int8);
    }
    timings.push_back(p.file + ": convert " + fixed(convert_seconds, 1) + " s");
    const std::string want = image_layout_of(*model.graph.inputs[0]);
    auto& shared = batches[want];
    if (!shared) {
      if (want.empty() || batch_layout.empty() || want == batch_layout)
        shared = std::shared_ptr<const Tensor>(&batch, [](const Tensor*) {});  // not owned
      else
        shared = std::make_shared<const Tensor>(
            batch_for_input(batch, batch_layout, *model.graph.inputs[0]));
    }
    p.batch = shared;
    if (format == ModelFormat::kTflite && litert_stream) {
      auto& sample = litert_inputs[want];
      if (sample.empty()) {
        const int64_t n = std::min<int64_t>(options.litert_samples, p.batch->dim(0));
        auto written = litert_stream->write_input("sample_" + std::to_string(litert_inputs.size()),
                                                  head_rows(*p.batch, n));
        if (written.ok())
          sample = *written;
        else
          p.lite = written.status();
      }
      if (!sample.empty()) {
        auto job = litert_stream->add(p.path, {sample});
        if (job.ok())
          p.litert_job = *job;
        else
          p.lite = job.status();
      }
    }
    const int shares = shares_of(p, threads);
    p.parts.assign(shares, Status::Error("not run"));
    queue.push(p, shares);
  }
  const double convert_all_seconds = seconds_since(convert_start);
  queue.close();
  stage = Clock::now();
  worker();
  for (std::thread& t : workers) t.join();

  const double native_seconds = seconds_since(stage);
  std::vector<Expected<std::vector<Tensor>>> litert_outputs;
  if (litert_stream) litert_outputs = litert_stream->finish();
  const double litert_wait_seconds = seconds_since(stage) - native_seconds;
  reference_thread.join();
  const double verify_all_seconds = seconds_since(stage);
  MCONV_ASSIGN_OR_RETURN(Tensor reference, std::move(reference_run));
  if (have_labels) {
    MCONV_ASSIGN_OR_RETURN(report::Accuracy acc, report::accuracy(reference, labels));
    rep.source_top1 = acc.top1;
    rep.source_top5 = acc.top5;
  }
  for (auto& owned : pending) {
    Pending& p = *owned;
    if (!p.written) continue;
    // The shares joined in order; the first one failing is the variant's error.
    std::vector<Tensor> outputs;
    std::vector<double> sample_ms;
    p.run = Status::Error("not run");
    for (Expected<RunResult>& part : p.parts) {
      if (!part.ok()) {
        p.run = part.status();
        break;
      }
      outputs.push_back(std::move(part->outputs));
      sample_ms.insert(sample_ms.end(), part->sample_ms.begin(), part->sample_ms.end());
    }
    // Latency: the median of the verification runs themselves (one sample each), no extra runs.
    if (outputs.size() == p.parts.size())
      p.run = RunResult{concat_rows(outputs), p.parts[0]->runtime, median(sample_ms), sample_ms};
    if (p.litert_job && *p.litert_job < litert_outputs.size()) {
      auto& lite = litert_outputs[*p.litert_job];
      if (!lite.ok()) {
        p.lite = lite.status();
      } else {
        auto out = real_litert_output(std::move(lite->at(0)), p.output_quant);
        if (out.ok())
          p.lite = RunResult{std::move(out).value(), "LiteRT (litert)", 0};
        else
          p.lite = out.status();
      }
    }
  }

  // 3. Verdicts: one rule (judge_runs) for every runtime that ran the variant.
  for (auto& owned : pending) {
    Pending& p = *owned;
    report::VariantReport& v = p.v;
    if (!p.written) {
      rep.variants.push_back(v);
      continue;
    }
    timings.push_back(p.file + ": verify " + fixed(p.verify_micros.load() / 1e6, 1) + " s, CPU " +
                      fixed(p.verify_cpu_micros.load() / 1e6, 1) + " s" +
                      (p.parts.size() > 1
                           ? " (" + std::to_string(p.parts.size()) + " sessions, time summed)"
                           : ""));
    const Tolerance tol =
        options.val_dir.empty() ? synthetic_tolerance(p.precision) : default_tolerance(p.precision);
    // The one verdict (judge_runs, shared with `mconv verify`): the native runtime on every
    // sample and, for TFLite, LiteRT (the newest LiteRT, under Node) on a sample; either runtime
    // refusing the file or missing the tolerance makes the variant FAILED, saying which.
    std::vector<RunCheck> checks = {{"", "", &p.run, &reference}};
    const int64_t n = std::min<int64_t>(options.litert_samples, p.batch->dim(0));
    const Tensor litert_reference = n > 0 ? head_rows(reference, n) : Tensor();
    const bool check_litert =
        p.format == ModelFormat::kTflite && options.litert_samples > 0 && p.run.ok();
    if (check_litert && !litert_stream)
      rep.notes.push_back(p.file + ": LiteRT check skipped (not available: " + litert_why + ")");
    else if (check_litert)
      checks.push_back(
          {"LiteRT", "on " + std::to_string(n) + " images", &p.lite, &litert_reference});
    const Judgement judgement = judge_runs(checks, tol);
    if (p.run.ok()) {
      v.runtime = p.run->runtime;
      v.samples = p.batch->dim(0);
      v.latency_p50_ms = p.run->latency_p50;
    }
    if (judgement.comparison) {
      std::optional<report::Accuracy> acc;
      if (have_labels) {
        auto a = report::accuracy(p.run->outputs, labels);
        if (a.ok()) acc = *a;
      }
      report::set_metrics(v, *judgement.comparison, acc);
    }
    if (checks.size() > 1 && judgement.comparisons[1]) {
      const report::OutputComparison& lcmp = *judgement.comparisons[1];
      rep.notes.push_back(p.file + ": " + p.lite->runtime + " on the first " + std::to_string(n) +
                          " images: top-1 agreement " + fixed(lcmp.top1_agreement * 100, 1) +
                          "%, cosine " + fixed(lcmp.cosine_mean, 6));
    }
    if (!judgement.passed()) {
      v.verdict = report::Verdict::kFailed;
      v.reason = judgement.reason();
    }
    rep.variants.push_back(v);
  }
  timings.push_back("reference outputs " + fixed(reference_seconds, 1) + " s, CPU " +
                    fixed(reference_cpu_seconds, 1) +
                    " s (beside the conversions and verification runs)");
  timings.push_back("all conversions " + fixed(convert_all_seconds, 1) +
                    " s (LiteRT starting beside them)");
  timings.push_back("all verification runs " + fixed(verify_all_seconds, 1) + " s (" +
                    std::to_string(threads) + " threads, native runtimes " +
                    fixed(native_seconds, 1) + " s, then waiting " + fixed(litert_wait_seconds, 1) +
                    " s for LiteRT and the reference)");
  timings.push_back("total " + fixed(seconds_since(run_start), 1) + " s, CPU " +
                    fixed(process_cpu_seconds(RUSAGE_SELF) - cpu_at_start, 1) + " s + " +
                    fixed(process_cpu_seconds(RUSAGE_CHILDREN) - children_cpu_at_start, 1) +
                    " s in LiteRT's Node process");
  for (const std::string& t : timings) rep.notes.push_back("time: " + t);
  rep.settings.push_back(
      {"latency",
       "median of the variant's single-sample verification runs, one thread, with "
       "the rest of the pipeline running beside them on the other cores"});
  for (Precision p : options.precisions) {
    const Tolerance t = options.val_dir.empty() ? synthetic_tolerance(p) : default_tolerance(p);
    rep.settings.push_back(
        {std::string("tolerance ") + std::string(precision_name(p)), tolerance_text(t)});
  }
  MCONV_RETURN_IF_ERROR(report::write_report(rep, options.out_dir));
  return rep;
}

}  // namespace mconv::pipeline
