#!/usr/bin/env bash
# Builds the interpreter-vs-ONNX-Runtime benchmark and runs it on MobileNetV3-Small (opset 17)
# with one thread, on the shared seeded input. Extra arguments go to the benchmark
# (e.g. --runs 100 --threads 2).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${MCONV_BUILD_DIR:-$root/build-bench}"
models="${MCONV_SHARED_DIR:-$root/../shared}/data/models"
log="$build/bench_build.log"
mkdir -p "$build"
# Build quietly; show the log only when something fails.
if ! { cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release &&
       cmake --build "$build" -j"$(nproc)" --target mconv_bench_interp_vs_ort; } >"$log" 2>&1; then
  cat "$log" >&2
  exit 1
fi
"$build/bench/mconv_bench_interp_vs_ort" "$models/mobilenet_v3_small_op17.onnx" \
  --input "$models/mobilenet_v3_small_op17.input.npy" --warmup 5 --runs 50 --threads 1 "$@"
