#!/usr/bin/env bash
# Issue 4's table: the six variants of the real Keras MobileNetV3-Small (dynamic-range file,
# weights dequantized to FP32, `keras` preset), calibrated on the first 100 shared images and
# evaluated on the other 400 — TFLite in LiteRT, ONNX in ONNX Runtime — then Google's own full-int8
# TF-Hub MobileNetV3-Small on the same 400 images. Prints size (and % of FP32), top-1, top-5 and
# top-1 agreement with the FP32 source.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/bench_build.sh"
out="${1:-$(mktemp -d /tmp/mconv_precisions.XXXXXX)}"
mkdir -p "$out"
bench_build mconv mconv_bench_tfhub
status=0
"$build/mconv" convert "$shared/models/keras_mobilenet_v3_small_int8_dynrange.tflite" -o "$out" \
  --name mobilenet_v3_small --calib "$shared/images" --calib-count 100 \
  --val "$shared/images" --preset keras >"$out/convert.log" 2>&1 || status=$?
fp32_size=$(stat -c %s "$out/mobilenet_v3_small_fp32.tflite")
fp32_onnx_size=$(stat -c %s "$out/mobilenet_v3_small_fp32.onnx")
echo "Keras MobileNetV3-Small, calibrated on images 0..99, evaluated on 100..499 ($out)"
echo
echo "| variant | file | size | % of FP32 | top-1 | top-5 | top-1 agreement with FP32 | verdict |"
echo "|---|---|---:|---:|---:|---:|---:|---|"
# report.md rows: | format | precision | file | size | input | output | runtime | agreement |
# top-1 | top-5 | cosine | max abs diff | latency | verdict |
grep -E '^\| (ONNX|TFLite) \|' "$out/report.md" | while IFS='|' read -r _ fmt prec file size _ _ _ agree top1 top5 _ _ _ verdict _; do
  f=$(echo "$file" | tr -d ' `')
  bytes=$(stat -c %s "$out/$f")
  base=$fp32_size
  [[ "$f" == *.onnx ]] && base=$fp32_onnx_size
  pct=$(awk -v a="$bytes" -v b="$base" 'BEGIN { printf "%.1f%%", 100 * a / b }')
  echo "|$fmt $prec|$file|$size| $pct |$top1|$top5|$agree|$verdict|"
done
"$build/bench/mconv_bench_tfhub" "$shared/models/atu_Mobilenet_v3_small_quant.tflite" \
  "$shared/images" --offset 100 --count 400 \
  --reference "$out/mobilenet_v3_small_fp32.tflite" --reference-preset keras |
  awk -F'|' '{ printf "|%s|%s|%s| - |%s|%s|%s (different network) | - |\n", $2, $3, $4, $5, $6, $7 }'
echo
grep -E '^- time:' "$out/report.md" | sed 's/^- //'
exit $status
