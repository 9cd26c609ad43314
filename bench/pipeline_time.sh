#!/usr/bin/env bash
# Issue 5's figure: wall time and peak RSS of the whole one-command pipeline on the real Keras
# MobileNetV3-Small (six variants, calibration on 100 images, verification on 400 in ONNX Runtime
# and LiteRT), then the same run split by stage (from the report's timing notes). Peak RSS is the
# largest of mconv itself and its LiteRT child processes (GNU time's figure covers the process
# tree's largest member).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${MCONV_BUILD_DIR:-$root/build-bench}"
shared="${MCONV_SHARED_DIR:-$root/../shared}/data"
out="${1:-$(mktemp -d /tmp/mconv_pipeline.XXXXXX)}"
log="$build/bench_build.log"
mkdir -p "$build"
if ! { cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release &&
       cmake --build "$build" -j"$(nproc)" --target mconv; } >"$log" 2>&1; then
  cat "$log" >&2
  exit 1
fi
echo "machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
status=0
/usr/bin/time -f "wall %e s, peak RSS %M KiB, user %U s, system %S s" -o "$out.time" \
  "$build/mconv" convert "$shared/models/keras_mobilenet_v3_small_int8_dynrange.tflite" \
  -o "$out" --calib "$shared/images" --calib-count 100 --val "$shared/images" \
  >"$out.log" 2>&1 || status=$?
cat "$out.log"
echo
echo "whole command: $(cat "$out.time")"
echo "by stage:"
grep -E '^- time:' "$out/report.md" | sed 's/^- time: /  /'
rm -f "$out.time" "$out.log"
exit $status
