#!/usr/bin/env bash
# Issue 5/13's figure: wall time and peak RSS of the whole one-command pipeline on the real Keras
# MobileNetV3-Small (six variants, calibration on 100 images, verification on the other 400 in
# ONNX Runtime and native TensorFlow Lite, plus LiteRT on a 32-image sample), measured
# $MCONV_PIPELINE_RUNS times (default 3): every run's wall/CPU/peak RSS, the median wall time,
# and the stages of the median run (from the report's timing notes). Peak RSS is the largest of
# mconv itself and its LiteRT child processes (GNU time's figure covers the process tree's
# largest member). CPU (user + system) is printed too: on a shared machine wall time mostly
# measures the neighbours.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${MCONV_BUILD_DIR:-$root/build-bench}"
shared="${MCONV_SHARED_DIR:-$root/../shared}/data"
runs="${MCONV_PIPELINE_RUNS:-3}"
out="${1:-$(mktemp -d /tmp/mconv_pipeline.XXXXXX)}"
log="$build/bench_build.log"
mkdir -p "$out"
mkdir -p "$build"
if ! { cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release &&
       cmake --build "$build" -j"$(nproc)" --target mconv; } >"$log" 2>&1; then
  cat "$log" >&2
  exit 1
fi
echo "machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
status=0
walls=()
for i in $(seq 1 "$runs"); do
  dir="$out/run$i"
  rm -rf "$dir"
  /usr/bin/time -f "%e %M %U %S" -o "$dir.time" \
    "$build/mconv" convert "$shared/models/keras_mobilenet_v3_small_int8_dynrange.tflite" \
    -o "$dir" --name mobilenet_v3_small --calib "$shared/images" --calib-count 100 \
    --val "$shared/images" >"$dir.log" 2>&1 || status=$?
  read -r wall rss user sys <"$dir.time"
  walls+=("$wall $i")
  printf 'run %d: wall %s s, CPU %.1f s (user %s + system %s), peak RSS %d MiB, exit %d\n' \
    "$i" "$wall" "$(awk "BEGIN{print $user + $sys}")" "$user" "$sys" "$((rss / 1024))" "$status"
done
median="$(printf '%s\n' "${walls[@]}" | sort -n | sed -n "$(((runs + 1) / 2))p")"
mi="${median#* }"
echo
cat "$out/run$mi.log"
echo
echo "median of $runs runs: wall ${median% *} s (run $mi); its stages:"
grep -E '^- time:' "$out/run$mi/report.md" | sed 's/^- time: /  /'
rm -f "$out"/run*.time "$out"/run*.log
exit $status
