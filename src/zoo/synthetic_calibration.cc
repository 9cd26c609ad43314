#include "zoo/synthetic_calibration.h"

#include <cmath>
#include <memory>
#include <unordered_map>

#include "runtime/interpreter.h"

namespace mconv::zoo {

namespace {

using ir::Node;
using ir::Value;

Tensor vector_tensor(const std::vector<float>& values) {
  return Tensor::FromVector(DType::kF32, {static_cast<int64_t>(values.size())}, values);
}

// Replaces a BatchNormalization's statistics with the per-channel moments of `x` (N,C,...),
// perturbed, and draws gamma/beta.
void calibrate_batchnorm(Node& node, const Tensor& x, SeededRandom& random) {
  const int64_t n = x.dim(0), c = x.dim(1);
  const int64_t inner = x.element_count() / (n * c);
  const float* p = x.data<float>();
  std::vector<float> gamma(c), beta(c), mean(c), var(c);
  for (int64_t ch = 0; ch < c; ++ch) {
    double sum = 0, sum_sq = 0;
    for (int64_t b = 0; b < n; ++b) {
      const float* row = p + (b * c + ch) * inner;
      for (int64_t i = 0; i < inner; ++i) {
        sum += row[i];
        sum_sq += static_cast<double>(row[i]) * row[i];
      }
    }
    const double count = static_cast<double>(n * inner);
    const double m = sum / count;
    const double v = std::max(0.0, sum_sq / count - m * m);
    // Perturbed like running statistics that lag the data a little; gamma/beta as if trained.
    mean[ch] = static_cast<float>(m + 0.1 * std::sqrt(v) * random.normal());
    var[ch] = static_cast<float>(v * std::exp(0.2 * random.normal()));
    gamma[ch] = static_cast<float>(random.uniform(0.6, 1.4));
    beta[ch] = static_cast<float>(0.2 * random.normal());
  }
  const std::vector<float>* fresh[] = {&gamma, &beta, &mean, &var};
  for (int k = 0; k < 4; ++k)
    node.inputs[1 + k]->constant = std::make_shared<const Tensor>(vector_tensor(*fresh[k]));
}

// Centres every unit of a Gemm (transB=1, weight [out,in]) over the batch through its bias, and
// scales the whole weight so the centred outputs have unit RMS. One scale for the layer (not one
// per unit): a unit that barely moves over a few samples must not be blown up into one that
// dominates every output.
Status calibrate_gemm(Node& node, const Tensor& y, SeededRandom& random) {
  const Value* weight = node.inputs[1];
  if (node.attrs.get_int("transB", 0) != 1 || node.inputs.size() < 3 || !weight->constant)
    return Status::Error("zoo calibration: Gemm '" + node.name + "' is not a torch Linear");
  const int64_t n = y.dim(0), out = y.dim(1);
  const float* py = y.data<float>();
  std::vector<double> mean(out, 0.0);
  for (int64_t b = 0; b < n; ++b)
    for (int64_t j = 0; j < out; ++j) mean[j] += py[b * out + j] / static_cast<double>(n);
  double sum_sq = 0;
  for (int64_t b = 0; b < n; ++b)
    for (int64_t j = 0; j < out; ++j) sum_sq += std::pow(py[b * out + j] - mean[j], 2);
  const double rms = std::sqrt(sum_sq / static_cast<double>(n * out));
  const double scale = rms > 1e-12 ? 1.0 / rms : 1.0;
  Tensor w = *weight->constant;
  float* pw = w.data<float>();
  for (int64_t i = 0; i < w.element_count(); ++i) pw[i] = static_cast<float>(pw[i] * scale);
  std::vector<float> bias(out);
  for (int64_t j = 0; j < out; ++j)
    bias[j] = static_cast<float>(-mean[j] * scale + 0.1 * random.normal());
  node.inputs[1]->constant = std::make_shared<const Tensor>(std::move(w));
  node.inputs[2]->constant = std::make_shared<const Tensor>(vector_tensor(bias));
  return Status::Ok();
}

}  // namespace

Status calibrate_synthetic(ir::Graph& graph, SeededRandom& random, int samples) {
  if (graph.inputs.size() != 1 || !graph.inputs[0]->has_shape)
    return Status::Error("zoo calibration: the graph needs one input of known shape");
  std::vector<int64_t> shape = ir::static_dims(graph.inputs[0]->shape);
  shape[0] = samples;
  Tensor input(DType::kF32, shape);
  float* p = input.data<float>();
  for (int64_t i = 0; i < input.element_count(); ++i) p[i] = static_cast<float>(random.normal());

  // Activations live until their last consumer ran.
  std::unordered_map<const Value*, Tensor> live;
  std::unordered_map<const Value*, size_t> uses;
  for (const auto& node : graph.nodes())
    for (const Value* v : node->inputs)
      if (v && !v->is_constant()) ++uses[v];
  live[graph.inputs[0]] = std::move(input);

  for (const auto& owned : graph.nodes()) {
    Node& node = *owned;
    auto gather = [&]() -> Expected<std::vector<const Tensor*>> {
      std::vector<const Tensor*> inputs;
      for (const Value* v : node.inputs) {
        if (!v) {
          inputs.push_back(nullptr);
        } else if (v->is_constant()) {
          inputs.push_back(v->constant.get());
        } else {
          auto it = live.find(v);
          if (it == live.end())
            return Status::Error("zoo calibration: node '" + node.name + "' reads '" + v->name +
                                 "' before it is computed");
          inputs.push_back(&it->second);
        }
      }
      return inputs;
    };
    MCONV_ASSIGN_OR_RETURN(std::vector<const Tensor*> inputs, gather());
    if (node.op == ir::OpType::kBatchNormalization) {
      calibrate_batchnorm(node, *inputs[0], random);
      MCONV_ASSIGN_OR_RETURN(inputs, gather());
    }
    MCONV_ASSIGN_OR_RETURN(std::vector<Tensor> outputs, runtime::evaluate_node(node, inputs));
    if (node.op == ir::OpType::kGemm) {
      MCONV_RETURN_IF_ERROR(calibrate_gemm(node, outputs[0], random));
      MCONV_ASSIGN_OR_RETURN(inputs, gather());
      MCONV_ASSIGN_OR_RETURN(outputs, runtime::evaluate_node(node, inputs));
    }
    for (const Value* v : node.inputs)
      if (v && !v->is_constant() && --uses[v] == 0) live.erase(v);
    for (size_t k = 0; k < node.outputs.size(); ++k)
      if (node.outputs[k]) live[node.outputs[k]] = std::move(outputs[k]);
  }
  return Status::Ok();
}

}  // namespace mconv::zoo
