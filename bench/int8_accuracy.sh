#!/usr/bin/env bash
# Issue 10's accuracy protocol, one configuration per call: Keras MobileNetV3-Small (the shared
# dynamic-range file, dequantized) converted to INT8 .onnx and .tflite with calibration on shared
# images 0..99, then `mconv verify` against the source on images 100..499 — ONNX in ONNX Runtime,
# TFLite in native TensorFlow Lite (XNNPACK) — printing top-1 agreement with FP32, top-1 against
# the labels (and FP32's), mean cosine and the convert line's int8 facts.
# Usage: bench/int8_accuracy.sh [CONVERT_ARGS...]   e.g. bench/int8_accuracy.sh --integer-only
# env: MCONV_BUILD_DIR (default build), MCONV_SHARED_DIR, MODEL (source file), PRESET, FORMATS
# ("onnx tflite"), OUT (directory kept for inspection; default a temporary one, removed).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
mconv="${MCONV_BUILD_DIR:-$root/build}/mconv"
shared="${MCONV_SHARED_DIR:-$root/../shared}/data"
model="${MODEL:-$shared/models/keras_mobilenet_v3_small_int8_dynrange.tflite}"
preset="${PRESET:-keras}"
formats="${FORMATS:-onnx tflite}"
[[ -x "$mconv" ]] || { echo "no mconv at $mconv (build the mconv target)" >&2; exit 1; }
out="${OUT:-}"
if [[ -z "$out" ]]; then
  out="$(mktemp -d /tmp/mconv_int8_accuracy.XXXXXX)"
  trap 'rm -rf "$out"' EXIT
fi
mkdir -p "$out"
echo "config: ${*:-(default)}"
for format in $formats; do
  file="$out/int8.$format"
  start=$(date +%s.%N)
  if ! "$mconv" convert "$model" -o "$file" --precision int8 --calib "$shared/images" \
      --calib-count 100 --preset "$preset" "$@" >"$file.convert.log" 2>&1; then
    echo "$format: convert failed:" >&2
    tail -3 "$file.convert.log" >&2
    continue
  fi
  convert_s=$(echo "$(date +%s.%N) - $start" | bc)
  "$mconv" verify "$file" --reference "$model" --images "$shared/images" --offset 100 \
    --count 400 --preset "$preset" >"$file.verify.log" 2>&1 || true
  agreement=$(sed -n 's/^agreement *top-1 \([0-9.]*\)%.*/\1/p' "$file.verify.log")
  top1=$(sed -n 's/^accuracy *top-1 \([0-9.]*\)%.*reference \([0-9.]*\)%.*/\1 (fp32 \2)/p' \
    "$file.verify.log")
  cosine=$(sed -n 's/^cosine *mean \([0-9.]*\),.*/\1/p' "$file.verify.log")
  runtime=$(sed -n 's/^runtime *//p' "$file.verify.log")
  printf '%-6s agreement %s%%  top-1 %s%%  cosine %s  size %s B  convert %.1f s  [%s]\n' \
    "$format" "${agreement:-?}" "${top1:-?}" "${cosine:-?}" "$(stat -c %s "$file")" \
    "$convert_s" "${runtime:-verify failed: $(tail -1 "$file.verify.log")}"
  grep '^int8: ' "$file.convert.log" | sed 's/^/       /' || true
done
