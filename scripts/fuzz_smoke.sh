#!/usr/bin/env bash
# Fuzz smoke test: builds the libFuzzer targets (fuzz/, clang, ASan+UBSan) in their own build
# directory, makes the seed corpora from the real models and arrays in ../shared/data/models, and
# runs each target for a bounded time. Exits non-zero on any crash, sanitizer report, leak,
# per-input timeout or out-of-memory; the input that caused it is kept under
# $build/fuzz-artifacts/ (reproduce with: $build/fuzz/fuzz_<target> <artifact>).
#
#   scripts/fuzz_smoke.sh                  # 60 s per target
#   MCONV_FUZZ_SECONDS=1800 scripts/fuzz_smoke.sh   # a longer campaign (see docs/robustness.md)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${MCONV_FUZZ_BUILD_DIR:-$root/build-fuzz}"
seconds="${MCONV_FUZZ_SECONDS:-60}"
models="${MCONV_SHARED_MODELS_DIR:-$root/../shared/data/models}"
targets="${MCONV_FUZZ_TARGETS:-onnx_import tflite_import npy_read torch_unpickle}"

if ! command -v clang++ >/dev/null; then
  echo "fuzz_smoke: clang++ not found (scripts/setup.sh installs clang and libclang-rt-14-dev)" >&2
  exit 1
fi
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_COMPILER=clang++ \
  -DMCONV_FUZZ=ON -DBUILD_TESTING=OFF >/dev/null
cmake --build "$build" -j"$(nproc)" --target mconv_fuzz_seeds \
  $(for t in $targets; do echo "fuzz_$t"; done) >/dev/null

# Seeds are regenerated from the real files every time and never committed.
seeds="$build/fuzz-seeds"
rm -rf "$seeds"
"$build/fuzz/mconv_fuzz_seeds" "$models" "$seeds"

# Leaks are findings; ODR/container checks would only flag the uninstrumented libonnx/protobuf.
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:detect_odr_violation=0:allocator_may_return_null=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
status=0
for target in $targets; do
  case "$target" in
    onnx_import) seed_dir="$seeds/onnx" ;;
    tflite_import) seed_dir="$seeds/tflite" ;;
    npy_read) seed_dir="$seeds/npy" ;;
    torch_unpickle) seed_dir="$seeds/pth" ;;
    *) echo "fuzz_smoke: unknown target $target" >&2; exit 2 ;;
  esac
  corpus="$build/fuzz-corpus/$target"
  artifacts="$build/fuzz-artifacts"
  mkdir -p "$corpus" "$artifacts"
  log="$build/fuzz-$target.log"
  echo "fuzz_smoke: fuzz_$target for ${seconds}s ($(ls "$seed_dir" | wc -l) seeds)"
  # -rss_limit_mb / -malloc_limit_mb: any single allocation over 1 GiB or a process over 2.5 GiB
  # is a finding (mconv's caps must stop hostile sizes long before that); -timeout: one input
  # taking more than 20 s is a hang.
  if nice -n 10 "$build/fuzz/fuzz_$target" -max_total_time="$seconds" -timeout=20 \
      -rss_limit_mb=2560 -malloc_limit_mb=1024 -print_final_stats=1 \
      -artifact_prefix="$artifacts/$target-" "$corpus" "$seed_dir" >"$log" 2>&1; then
    grep -E "stat::number_of_executed_units|stat::peak_rss_mb" "$log" | sed 's/^/  /'
  else
    status=1
    echo "fuzz_smoke: fuzz_$target FAILED; log: $log" >&2
    # The finding's own lines (a sanitizer report, a broken fuzz invariant, an uncaught exception)
    # and the top of its stack, so a CI log alone says what broke without the artifact.
    grep -E "ERROR|SUMMARY|Test unit written|fuzz invariant broken|terminate called|what\(\)|^ +#[0-9]+ " \
      "$log" | head -40 >&2 || true
  fi
done
exit $status
