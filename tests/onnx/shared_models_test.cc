// Acceptance tests on the real torchvision exports in shared/data/models: import -> export ->
// official checker -> ONNX Runtime equals ONNX Runtime on the original (<= 1e-5), and the
// reference interpreter on the imported graph equals torch's outputs (<= 1e-4, same argmax).
#include <algorithm>
#include <cstdio>
#include <sstream>

#include "core/file_io.h"
#include "core/npy.h"
#include "ir/dump.h"
#include "ir/verifier.h"
#include "onnx_test_util.h"
#include "support/test_support.h"

namespace mconv::onnx::test {
namespace {

struct SharedModel {
  const char* name;    // file stem in shared/data/models
  bool dynamic_batch;  // batch axis symbolic: run both rows at once
  int64_t opset;       // opset the file declares
};

const SharedModel kModels[] = {
    {"mobilenet_v3_small_op11", false, 11}, {"mobilenet_v3_small_op13", false, 13},
    {"mobilenet_v3_small_op17", false, 17}, {"mobilenet_v3_small_op17_dynbatch", true, 17},
    {"mobilenet_v2_op13", false, 13},
};

std::string model_path(const SharedModel& m, const std::string& suffix) {
  return mconv::test::shared_models_dir() + "/" + m.name + suffix;
}

// Runs `run` on the whole batch for dynamic-batch models, else row by row, and stacks outputs.
template <typename RunFn>
Expected<Tensor> run_batch(const SharedModel& m, const Tensor& input, RunFn run) {
  if (m.dynamic_batch) {
    MCONV_ASSIGN_OR_RETURN(std::vector<Tensor> out, run(input));
    return out.at(0);
  }
  std::vector<Tensor> rows;
  for (int64_t r = 0; r < input.dim(0); ++r) {
    MCONV_ASSIGN_OR_RETURN(std::vector<Tensor> out, run(batch_row(input, r)));
    rows.push_back(out.at(0));
  }
  return stack_rows(rows);
}

class SharedModelTest : public ::testing::TestWithParam<SharedModel> {
 protected:
  void SetUp() override {
    const SharedModel& m = GetParam();
    MCONV_REQUIRE_SHARED_FILE(model_path(m, ".onnx"));
    MCONV_REQUIRE_SHARED_FILE(model_path(m, ".input.npy"));
    MCONV_REQUIRE_SHARED_FILE(model_path(m, ".torch_output.npy"));
    auto bytes = read_file_bytes(model_path(m, ".onnx"));
    ASSERT_TRUE(bytes.ok()) << bytes.status().message();
    original_ = std::move(bytes).value();
    auto input = read_npy(model_path(m, ".input.npy"));
    ASSERT_TRUE(input.ok()) << input.status().message();
    input_ = std::move(input).value();
    auto torch = read_npy(model_path(m, ".torch_output.npy"));
    ASSERT_TRUE(torch.ok()) << torch.status().message();
    torch_ = std::move(torch).value();
    ASSERT_EQ(input_.shape(), (std::vector<int64_t>{2, 3, 224, 224}));
    ASSERT_EQ(torch_.shape(), (std::vector<int64_t>{2, 1000}));
  }

  std::vector<uint8_t> original_;  // the .onnx file's bytes
  Tensor input_;                   // [2,3,224,224]
  Tensor torch_;                   // torch's logits [2,1000]
};

TEST_P(SharedModelTest, ImportKeepsInterfaceAndSimplifies) {
  const SharedModel& m = GetParam();
  auto model = import_onnx_file(model_path(m, ".onnx"));
  ASSERT_TRUE(model.ok()) << model.status().message();
  const ir::Graph& g = model->graph;
  EXPECT_EQ(model->source_opset, m.opset);
  EXPECT_EQ(model->source_format, "onnx");
  ASSERT_TRUE(ir::verify(g).ok()) << ir::verify(g).message();
  ASSERT_EQ(g.inputs.size(), 1u);
  ASSERT_EQ(g.outputs.size(), 1u);
  EXPECT_EQ(g.inputs[0]->name, "input");
  EXPECT_EQ(g.outputs[0]->name, "logits");
  EXPECT_EQ(g.inputs[0]->dtype, DType::kF32);
  ASSERT_EQ(g.inputs[0]->shape.size(), 4u);
  if (m.dynamic_batch) {
    EXPECT_FALSE(g.inputs[0]->shape[0].known());
    EXPECT_EQ(g.inputs[0]->shape[0].symbol, "batch");
  } else {
    EXPECT_EQ(g.inputs[0]->shape[0].size, 1);
  }
  EXPECT_EQ(g.inputs[0]->shape[1].size, 3);
  for (const auto& n : g.nodes()) {
    // Identity/Dropout are removed by the simplification the importer runs.
    EXPECT_NE(n->op, ir::OpType::kIdentity) << n->name;
    if (ir::op_info(n->op).layout_sensitive) EXPECT_EQ(n->layout, ir::Layout::kNCHW) << n->name;
  }
  EXPECT_GT(g.parameter_count(), 1'000'000);
}

TEST_P(SharedModelTest, ExportPassesCheckerAndMatchesOriginalInOrt) {
  const SharedModel& m = GetParam();
  auto model = import_onnx_file(model_path(m, ".onnx"));
  ASSERT_TRUE(model.ok()) << model.status().message();
  auto exported = export_onnx(model->graph);
  ASSERT_TRUE(exported.ok()) << exported.status().message();
  Status check = check_onnx_bytes(*exported);
  ASSERT_TRUE(check.ok()) << check.message();

  auto original_session = ort::OrtSession::LoadBytes(original_);
  ASSERT_TRUE(original_session.ok()) << original_session.status().message();
  auto exported_session = ort::OrtSession::LoadBytes(*exported);
  ASSERT_TRUE(exported_session.ok()) << exported_session.status().message();
  ASSERT_EQ((*exported_session)->inputs().at(0).name, "input");
  ASSERT_EQ((*exported_session)->outputs().at(0).name, "logits");
  auto run_original = [&](const Tensor& x) { return (*original_session)->run({x}); };
  auto run_exported = [&](const Tensor& x) { return (*exported_session)->run({x}); };
  auto expected = run_batch(m, input_, run_original);
  ASSERT_TRUE(expected.ok()) << expected.status().message();
  auto actual = run_batch(m, input_, run_exported);
  ASSERT_TRUE(actual.ok()) << actual.status().message();

  const Diff d = compare(*actual, *expected);
  ASSERT_TRUE(d.same_shape);
  std::printf("[ metric ] %s: ORT(export) vs ORT(original) max abs diff %.3g\n", m.name, d.max_abs);
  RecordProperty("ort_export_vs_original_max_abs", std::to_string(d.max_abs));
  EXPECT_LE(d.max_abs, 1e-5f);

  // The original in ORT agrees with torch too (sanity of the reference data and of ORT).
  const Diff t = compare(*expected, torch_);
  std::printf("[ metric ] %s: ORT(original) vs torch max abs diff %.3g\n", m.name, t.max_abs);
  EXPECT_LE(t.max_abs, 1e-4f);
  EXPECT_EQ(argmax_rows(*expected), argmax_rows(torch_));
}

TEST_P(SharedModelTest, ExportAtEveryOpsetRunsInOrt) {
  const SharedModel& m = GetParam();
  auto model = import_onnx_file(model_path(m, ".onnx"));
  ASSERT_TRUE(model.ok()) << model.status().message();
  const Tensor row = batch_row(input_, 0);
  auto expected = run_ort(original_, {row});
  ASSERT_TRUE(expected.ok()) << expected.status().message();
  for (int opset = 13; opset <= 18; ++opset) {
    auto exported = export_checked(model->graph, opset);
    ASSERT_TRUE(exported.ok()) << exported.status().message();
    ::onnx::ModelProto proto;
    ASSERT_TRUE(proto.ParseFromArray(exported->data(), static_cast<int>(exported->size())));
    EXPECT_EQ(proto.opset_import(0).version(), opset);
    EXPECT_EQ(proto.ir_version(), opset <= 14 ? 7 : 8);
    auto actual = run_ort(*exported, {row});
    ASSERT_TRUE(actual.ok()) << "opset " << opset << ": " << actual.status().message();
    EXPECT_LE(compare(actual->at(0), expected->at(0)).max_abs, 1e-5f) << "opset " << opset;
  }
}

TEST_P(SharedModelTest, ReimportOfExportIsIdentical) {
  // import -> export -> import gives the same IR (names, attributes, constants, shapes).
  const SharedModel& m = GetParam();
  auto model = import_onnx_file(model_path(m, ".onnx"));
  ASSERT_TRUE(model.ok()) << model.status().message();
  auto exported = export_onnx(model->graph);
  ASSERT_TRUE(exported.ok()) << exported.status().message();
  auto again = import_onnx_bytes(*exported, "");
  ASSERT_TRUE(again.ok()) << again.status().message();
  // Same lines; constants may be listed in another order (the exporter writes them by first use).
  auto sorted_lines = [](const std::string& text) {
    std::vector<std::string> lines;
    std::stringstream ss(text);
    for (std::string line; std::getline(ss, line);) lines.push_back(line);
    std::sort(lines.begin(), lines.end());
    return lines;
  };
  const std::vector<std::string> before = sorted_lines(ir::dump(model->graph));
  const std::vector<std::string> after = sorted_lines(ir::dump(again->graph));
  std::vector<std::string> changed;
  std::set_symmetric_difference(before.begin(), before.end(), after.begin(), after.end(),
                                std::back_inserter(changed));
  EXPECT_TRUE(changed.empty()) << changed.size() << " dump lines differ, first: " << changed[0];
  ASSERT_EQ(again->graph.values().size(), model->graph.values().size());
  for (const auto& v : model->graph.values()) {
    const ir::Value* w = again->graph.find_value(v->name);
    ASSERT_NE(w, nullptr) << v->name;
    if (v->constant) {
      ASSERT_TRUE(w->constant) << v->name;
      EXPECT_EQ(w->constant->bytes(), v->constant->bytes()) << v->name;
    }
  }
}

TEST_P(SharedModelTest, InterpreterMatchesTorch) {
  const SharedModel& m = GetParam();
  auto model = import_onnx_file(model_path(m, ".onnx"));
  ASSERT_TRUE(model.ok()) << model.status().message();
  auto interpreter = runtime::Interpreter::Create(model->graph);
  ASSERT_TRUE(interpreter.ok()) << interpreter.status().message();
  auto run = [&](const Tensor& x) { return (*interpreter)->run({x}); };
  auto actual = run_batch(m, input_, run);
  ASSERT_TRUE(actual.ok()) << actual.status().message();
  const Diff d = compare(*actual, torch_);
  ASSERT_TRUE(d.same_shape);
  std::printf("[ metric ] %s: interpreter vs torch max abs diff %.3g\n", m.name, d.max_abs);
  RecordProperty("interpreter_vs_torch_max_abs", std::to_string(d.max_abs));
  EXPECT_LE(d.max_abs, 1e-4f);
  EXPECT_EQ(argmax_rows(*actual), argmax_rows(torch_));
}

INSTANTIATE_TEST_SUITE_P(Models, SharedModelTest, ::testing::ValuesIn(kModels),
                         [](const ::testing::TestParamInfo<SharedModel>& info) {
                           return std::string(info.param.name);
                         });

}  // namespace
}  // namespace mconv::onnx::test
