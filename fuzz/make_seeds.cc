// Builds the fuzz seed corpora from real files: small ONNX and TFLite models cut out of the real
// models in the shared models directory (windows of 1-3 consecutive operators, re-exported by
// mconv's own exporters), small .npy arrays made from the real input/output arrays, and the
// pickles (data.pkl) of the real PyTorch checkpoints in its pth/ folder.
// Nothing here is committed: fuzz_smoke.sh runs it into the fuzz build directory.
//
//   mconv_fuzz_seeds SHARED_MODELS_DIR OUT_DIR   -> OUT_DIR/{onnx,tflite,npy,pth}/seed_*
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <map>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/file_io.h"
#include "core/npy.h"
#include "core/zip_reader.h"
#include "onnx/onnx_exporter.h"
#include "onnx/onnx_importer.h"
#include "tflite/tflite_exporter.h"
#include "tflite/tflite_importer.h"

namespace fs = std::filesystem;
using namespace mconv;

namespace {

constexpr size_t kMaxSeedBytes = 96 * 1024;  // keeps libFuzzer's default -max_len small and fast
constexpr int kMaxSeedsPerModel = 40;

// A new graph holding `count` consecutive nodes of `g` starting at `begin`: inputs read from
// outside the window become graph inputs, results nobody in the window reads become outputs.
ir::Graph slice_graph(const ir::Graph& g, size_t begin, size_t count) {
  ir::Graph out;
  out.name = g.name + "_slice";
  std::unordered_map<const ir::Value*, ir::Value*> map;
  const size_t end = std::min(g.nodes().size(), begin + count);
  auto value_for = [&](const ir::Value* v) -> ir::Value* {
    if (!v) return nullptr;
    if (auto it = map.find(v); it != map.end()) return it->second;
    ir::Value* c = v->constant ? out.add_constant(v->name, *v->constant)
                               : out.add_value(v->name, v->dtype, v->shape, v->has_shape);
    c->quant = v->quant;
    if (!v->constant) out.inputs.push_back(c);
    map[v] = c;
    return c;
  };
  for (size_t i = begin; i < end; ++i) {
    const ir::Node& n = *g.nodes()[i];
    std::vector<ir::Value*> ins, outs;
    for (const ir::Value* in : n.inputs) ins.push_back(value_for(in));
    for (const ir::Value* o : n.outputs) {
      ir::Value* c = out.add_value(o->name, o->dtype, o->shape, o->has_shape);
      c->quant = o->quant;
      map[o] = c;
      outs.push_back(c);
    }
    ir::Node* copy = out.add_node(n.op, n.name, std::move(ins), std::move(outs));
    copy->attrs = n.attrs;
    copy->layout = n.layout;
  }
  for (const auto& node : out.nodes())
    for (ir::Value* o : node->outputs)
      if (o->consumers.empty()) out.outputs.push_back(o);
  return out;
}

int write_seed(const fs::path& dir, const std::string& stem, const std::vector<uint8_t>& bytes) {
  if (bytes.empty() || bytes.size() > kMaxSeedBytes) return 0;
  return write_file_atomic((dir / stem).string(), bytes).ok() ? 1 : 0;
}

// Writes windows of the model as ONNX and TFLite seeds; returns how many were written.
int seeds_from_model(const ir::Graph& graph, const std::string& tag, const fs::path& out) {
  int written = 0;
  const size_t n = graph.nodes().size();
  int per_format[2] = {0, 0};
  for (size_t width : {1, 2, 3}) {
    // Spread the windows over the whole model so every op kind it has shows up.
    const size_t step = std::max<size_t>(1, n / 24);
    for (size_t begin = 0; begin + width <= n; begin += step) {
      ir::Graph slice = slice_graph(graph, begin, width);
      const std::string stem = tag + "_" + std::to_string(begin) + "_" + std::to_string(width);
      if (per_format[0] < kMaxSeedsPerModel) {
        auto onnx_bytes = onnx::export_onnx(slice);
        if (onnx_bytes.ok()) {
          int w = write_seed(out / "onnx", stem + ".onnx", *onnx_bytes);
          per_format[0] += w;
          written += w;
        }
      }
      if (per_format[1] < kMaxSeedsPerModel) {
        auto tflite_bytes = tflite::export_tflite(slice);
        if (tflite_bytes.ok()) {
          int w = write_seed(out / "tflite", stem + ".tflite", *tflite_bytes);
          per_format[1] += w;
          written += w;
        }
      }
    }
  }
  return written;
}

// Small arrays from a real one: its first elements in every dtype .npy supports, in a few shapes.
int seeds_from_array(const Tensor& real, const std::string& tag, const fs::path& out) {
  int written = 0;
  const std::vector<float> values = real.to_f32();
  const std::vector<std::vector<int64_t>> shapes = {{}, {7}, {2, 3}, {1, 3, 2, 2}, {0, 4}};
  for (DType dtype : {DType::kF32, DType::kF16, DType::kI8, DType::kU8, DType::kI16, DType::kI32,
                      DType::kI64, DType::kBool}) {
    for (size_t s = 0; s < shapes.size(); ++s) {
      const int64_t count = shape_element_count(shapes[s]);
      if (count > static_cast<int64_t>(values.size())) continue;
      std::vector<float> head(values.begin(), values.begin() + count);
      Tensor t = count == 0 ? Tensor(dtype, shapes[s])
                            : Tensor::FromVector<float>(DType::kF32, shapes[s], head).cast(dtype);
      const std::string stem = tag + "_" + std::string(dtype_name(dtype)) + "_" + std::to_string(s);
      written += write_seed(out / "npy", stem + ".npy", serialize_npy(t));
    }
  }
  return written;
}

// The data.pkl of each ZIP checkpoint in `dir` (the unpickler's input) as a seed.
int seeds_from_checkpoints(const fs::path& dir, const fs::path& out) {
  int written = 0;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    if (entry.path().extension() != ".pth") continue;
    auto bytes = read_file_bytes(entry.path().string());
    if (!bytes.ok()) continue;
    auto zip = ZipReader::open(*bytes);
    if (!zip.ok()) continue;
    for (const ZipEntry& e : zip->entries()) {
      if (!e.name.ends_with("/data.pkl")) continue;
      auto pickle = zip->data(e);
      written += write_seed(out / "pth", entry.path().stem().string() + ".pkl",
                            std::vector<uint8_t>(pickle.begin(), pickle.end()));
    }
  }
  return written;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: %s SHARED_MODELS_DIR OUT_DIR\n", argv[0]);
    return 2;
  }
  const fs::path models = argv[1], out = argv[2];
  for (const char* sub : {"onnx", "tflite", "npy", "pth"}) fs::create_directories(out / sub);
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(models)) files.push_back(entry.path());
  std::sort(files.begin(), files.end());
  int onnx_models = 0, tflite_models = 0, arrays = 0, seeds = 0;
  for (const fs::path& file : files) {
    const std::string ext = file.extension().string();
    const std::string tag = file.stem().string();
    if (ext == ".onnx") {
      auto model = onnx::import_onnx_file(file.string());
      if (!model.ok()) continue;
      ++onnx_models;
      seeds += seeds_from_model(model->graph, tag, out);
    } else if (ext == ".tflite") {
      auto model = tflite::import_tflite_file(file.string());
      if (!model.ok()) continue;
      ++tflite_models;
      seeds += seeds_from_model(model->graph, tag, out);
    } else if (ext == ".npy") {
      auto array = read_npy(file.string());
      if (!array.ok()) continue;
      ++arrays;
      seeds += seeds_from_array(*array, tag, out);
      // Small real arrays (the torch outputs) are seeds as they are.
      if (auto bytes = read_file_bytes(file.string()); bytes.ok())
        seeds += write_seed(out / "npy", tag + ".npy", *bytes);
    }
  }
  const int checkpoint_seeds = seeds_from_checkpoints(models / "pth", out);
  seeds += checkpoint_seeds;
  std::printf("fuzz seeds: %d files from %d ONNX models, %d TFLite models, %d arrays in %s\n",
              seeds, onnx_models, tflite_models, arrays, out.string().c_str());
  if (onnx_models == 0 || tflite_models == 0 || arrays == 0 || checkpoint_seeds == 0) {
    std::fprintf(stderr, "fuzz seeds: %s lacks ONNX, TFLite, .npy or pth/*.pth files\n",
                 models.c_str());
    return 1;
  }
  return 0;
}
