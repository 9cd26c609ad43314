// The contract between the interpreter and one operator implementation. A Kernel is created once
// per node (attributes validated, constant weights packed) and run many times on tensors whose
// shapes are only known at run time.
#pragma once

#include <memory>
#include <span>
#include <vector>

#include "core/status.h"
#include "core/tensor.h"
#include "ir/graph.h"

namespace mconv::runtime {

class ThreadPool;

// How the integer kernels round when they rescale an int32 accumulator by a fixed-point
// multiplier (TFLite's MultiplyByQuantizedMultiplier). TFLite builds differ here, so the
// interpreter follows the one it is compared with.
enum class IntegerRounding : uint8_t {
  // What LiteRT (LiteRT.js 2.5) computes, bit-exact on Google's QAT uint8 and on mconv's own
  // int8 MobileNetV3: XNNPACK's float requantization (float(acc) * float scale, rounded half to
  // even) in Conv, fully-connected and Mean kernels, the single rounding below everywhere else.
  kLiteRt,
  // One rounding of the exact product, ties up: TFLite's builtin kernels built with
  // TFLITE_SINGLE_ROUNDING (the default of recent releases).
  kSingle,
  // gemmlowp's two roundings (SaturatingRoundingDoublingHighMul, then RoundingDivideByPOT) in
  // every kernel except the GEMM-based Conv and fully-connected ones, which ruy rounds once: the
  // classic default build (tfjs-tflite is bit-exact with it).
  kDouble,
};

// What a kernel may use besides its tensors while running.
struct ExecContext {
  ThreadPool* pool = nullptr;  // intra-op workers for heavy kernels; null = calling thread only
  IntegerRounding integer_rounding = IntegerRounding::kLiteRt;  // integer kernels' requantization
};

// One pointer per node input, in op order; nullptr for an omitted optional input.
using KernelInputs = std::span<const Tensor* const>;

class Kernel {
 public:
  virtual ~Kernel() = default;
  // Computes every output from `inputs`. `outputs` arrives holding one empty Tensor per node
  // output; the kernel assigns each of them. Errors are plain messages: the caller prefixes the
  // node name and op. Not reentrant: a kernel may keep scratch buffers between runs.
  virtual Status run(KernelInputs inputs, std::vector<Tensor>& outputs, const ExecContext& ctx) = 0;
};

// Builds the kernel of one node. It may read the node's attributes, layout and constant inputs
// (for packing), but must also work when the same inputs arrive as run-time tensors.
using KernelFactory = Expected<std::unique_ptr<Kernel>> (*)(const ir::Node& node);

}  // namespace mconv::runtime
