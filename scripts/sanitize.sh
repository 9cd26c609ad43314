#!/usr/bin/env bash
# Sanitizer suite: builds the whole tree with AddressSanitizer + UndefinedBehaviorSanitizer
# (-DMCONV_SANITIZE=ON, gcc, its own build directory) and runs the complete test suite under it.
# Any sanitizer report fails the test that triggered it (UBSan is built with
# -fno-sanitize-recover, ASan aborts on the first error, LeakSanitizer fails the process at exit).
#
#   scripts/sanitize.sh            # build-asan, ctest -j2
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${MCONV_ASAN_BUILD_DIR:-$root/build-asan}"
jobs="${MCONV_ASAN_TEST_JOBS:-2}"

"$root/scripts/setup.sh"
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release -DMCONV_SANITIZE=ON >/dev/null
cmake --build "$build" -j"$(nproc)" >/dev/null

# Leaks inside the prebuilt ONNX Runtime library are not mconv's to fix (see scripts/lsan.supp).
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:detect_odr_violation=0:strict_string_checks=1:check_initialization_order=1}"
export LSAN_OPTIONS="${LSAN_OPTIONS:-suppressions=$root/scripts/lsan.supp:print_suppressions=0}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
ctest --test-dir "$build" --output-on-failure -j"$jobs"
