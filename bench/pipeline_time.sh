#!/usr/bin/env bash
# Issues 13 and 12: wall time, CPU and peak RSS of the whole one-command pipeline, two cases, each
# run $MCONV_PIPELINE_RUNS times (default 3) with every run's figures, the median wall time and the
# stages of the median run (from the report's timing notes):
#   1. the README's real run (issue 13, goal <= 15 s): the real Keras MobileNetV3-Small, six
#      variants, calibration on 100 images, verification on the other 400 in ONNX Runtime and
#      native TensorFlow Lite, plus LiteRT on a 32-image sample;
#   2. `convert mobilenet_v3_small.pth -o DIR` without images (issue 12, goal < 3 s): six variants
#      from the PyTorch checkpoint, synthetic calibration and verification.
# Peak RSS is GNU time's: the largest of mconv and its LiteRT (Node) child. CPU is user + system of
# both: on a shared machine wall time mostly measures the neighbours, CPU is the honest figure.
# MCONV_PIPELINE_CASES=readme|pth picks one case.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${MCONV_BUILD_DIR:-$root/build-bench}"
shared="${MCONV_SHARED_DIR:-$root/../shared}/data"
runs="${MCONV_PIPELINE_RUNS:-3}"
cases="${MCONV_PIPELINE_CASES:-readme pth}"
out="${1:-$(mktemp -d /tmp/mconv_pipeline.XXXXXX)}"
log="$build/bench_build.log"
mkdir -p "$out"
mkdir -p "$build"
if ! { cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release &&
       cmake --build "$build" -j"$(nproc)" --target mconv; } >"$log" 2>&1; then
  cat "$log" >&2
  exit 1
fi
status=0

# measure TITLE NAME ARGS...: runs `mconv convert ARGS... -o DIR` $runs times.
measure() {
  local title="$1" name="$2"
  shift 2
  echo "== $title"
  echo "machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
  local walls=() i dir wall rss user sys code
  for i in $(seq 1 "$runs"); do
    dir="$out/$name$i"
    rm -rf "$dir"
    code=0
    /usr/bin/time -f "%e %M %U %S" -o "$dir.time" "$build/mconv" convert "$@" -o "$dir" \
      >"$dir.log" 2>&1 || code=$?
    [ "$code" -eq 0 ] || status=$code
    read -r wall rss user sys <"$dir.time"
    walls+=("$wall $i")
    printf 'run %d: wall %s s, CPU %.1f s (user %s + system %s), peak RSS %d MiB, exit %d\n' \
      "$i" "$wall" "$(awk "BEGIN{print $user + $sys}")" "$user" "$sys" "$((rss / 1024))" "$code"
  done
  local median mi
  median="$(printf '%s\n' "${walls[@]}" | sort -n | sed -n "$(((runs + 1) / 2))p")"
  mi="${median#* }"
  echo
  cat "$out/$name$mi.log"
  echo
  echo "median of $runs runs: wall ${median% *} s (run $mi); its stages:"
  grep -E '^- time:' "$out/$name$mi/report.md" | sed 's/^- time: /  /'
  echo
}

for c in $cases; do
  case "$c" in
    readme)
      measure "README real run (Keras MobileNetV3-Small, 100 calibration + 400 verification images)" \
        readme "$shared/models/keras_mobilenet_v3_small_int8_dynrange.tflite" \
        --name mobilenet_v3_small --calib "$shared/images" --calib-count 100 --val "$shared/images"
      ;;
    pth)
      measure "convert mobilenet_v3_small.pth -o DIR (no images: synthetic calibration and verification)" \
        pth "$shared/models/pth/mobilenet_v3_small.pth"
      ;;
    *)
      echo "unknown case '$c' (readme, pth)" >&2
      exit 2
      ;;
  esac
done
rm -f "$out"/*.time "$out"/*.log
exit $status
