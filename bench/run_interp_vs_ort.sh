#!/usr/bin/env bash
# Builds the interpreter-vs-ONNX-Runtime benchmark and runs it on MobileNetV3-Small (opset 17)
# with one thread, on the shared seeded input. Extra arguments go to the benchmark
# (e.g. --runs 100 --threads 2).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/bench_build.sh"
models="$shared/models"
bench_build mconv_bench_interp_vs_ort
"$build/bench/mconv_bench_interp_vs_ort" "$models/mobilenet_v3_small_op17.onnx" \
  --input "$models/mobilenet_v3_small_op17.input.npy" --warmup 5 --runs 50 --threads 1 "$@"
