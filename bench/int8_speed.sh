#!/usr/bin/env bash
# Issue 10's speed table: FP32 / INT8 / INT8 --integer-only latency, one thread, for Keras
# MobileNetV3-Small (the dynamic-range file, dequantized), torchvision's MobileNetV3-Small (opset
# 17 export) and MobileNetV2 (opset 13), each converted by mconv to .onnx and .tflite (INT8
# calibrated on the first 100 shared images), then timed with `mconv bench` in ONNX Runtime (the
# .onnx files), LiteRT (the .tflite files) and native TFLite when the build has it; Google's QAT
# uint8 MobileNetV3-Small beside them in the TFLite runtimes. Prints the p50 latency of each
# file (mconv bench: random inputs, 5 warm-up runs, RUNS=100 timed runs; the smallest p50 of
# ROUNDS=3 rounds over all files, so that load from other processes on a shared machine skews
# no one file) and INT8 / FP32.
# Usage: bench/int8_speed.sh [OUT_DIR]   (env: MCONV_BUILD_DIR, MCONV_SHARED_DIR, RUNS, ROUNDS)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${MCONV_BUILD_DIR:-$root/build-bench}"
shared="${MCONV_SHARED_DIR:-$root/../shared}/data"
out="${1:-$(mktemp -d /tmp/mconv_int8_speed.XXXXXX)}"
runs="${RUNS:-100}"
rounds="${ROUNDS:-3}"
log="$build/bench_build.log"
mkdir -p "$build" "$out"
if ! { cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release &&
       cmake --build "$build" -j"$(nproc)" --target mconv; } >"$log" 2>&1; then
  cat "$log" >&2
  exit 1
fi
mconv="$build/mconv"
integer_only=""
"$mconv" convert --help 2>&1 | grep -q -- '--integer-only' && integer_only=yes
native_tflite=""
"$mconv" bench --help 2>&1 | grep -Eq -- '--runtime [a-z|]*tflite' && native_tflite=yes
echo "machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg); threads 1," \
  "$runs runs, best p50 of $rounds rounds"

# name | source file | calibration preset
models=(
  "keras_v3_small|$shared/models/keras_mobilenet_v3_small_int8_dynrange.tflite|keras"
  "torch_v3_small_op17|$shared/models/mobilenet_v3_small_op17.onnx|torch"
  "mobilenet_v2_op13|$shared/models/mobilenet_v2_op13.onnx|torch"
)
variants="fp32 int8"
[[ -n "$integer_only" ]] && variants="$variants int8io"

convert() {  # source out precision preset [extra...]
  local source=$1 file=$2 precision=$3 preset=$4
  shift 4
  local args=(convert "$source" -o "$file" --precision "$precision")
  [[ "$precision" == int8 ]] &&
    args+=(--calib "$shared/images" --calib-count 100 --preset "$preset")
  if ! "$mconv" "${args[@]}" "$@" >"$file.log" 2>&1; then
    echo "convert failed: $file" >&2
    cat "$file.log" >&2
    return 1
  fi
}

status=0
for m in "${models[@]}"; do
  IFS='|' read -r name source preset <<<"$m"
  for fmt in onnx tflite; do
    convert "$source" "$out/${name}_fp32.$fmt" fp32 "$preset" || status=1
    convert "$source" "$out/${name}_int8.$fmt" int8 "$preset" || status=1
    if [[ -n "$integer_only" ]]; then
      convert "$source" "$out/${name}_int8io.$fmt" int8 "$preset" --integer-only || status=1
    fi
  done
done
qat="$shared/models/atu_v3-small_224_1.0_uint8.tflite"

# Smallest p50 latency per runtime and file over the rounds, from `mconv bench --json` (one
# process per runtime and round, the files in turn).
declare -A p50
bench() {  # runtime files...
  local runtime=$1
  shift
  local json
  json=$("$mconv" bench --runtime "$runtime" -t 1 -r "$runs" --json "$@" 2>/dev/null) || true
  while IFS=' ' read -r path ms; do
    local old=${p50["$runtime|$path"]:-}
    if [[ -z "$old" ]] || awk -v a="$ms" -v b="$old" 'BEGIN { exit !(a < b) }'; then
      p50["$runtime|$path"]=$ms
    fi
  done < <(awk -F'"' '/"path":/ { path = $4 } /"p50":/ { gsub(/[ ,:]/, "", $3);
                       printf "%s %.2f\n", path, $3 }' <<<"$json")
}
onnx_files=() tflite_files=()
for m in "${models[@]}"; do
  IFS='|' read -r name _ _ <<<"$m"
  for v in $variants; do
    [[ -f "$out/${name}_$v.onnx" ]] && onnx_files+=("$out/${name}_$v.onnx")
    [[ -f "$out/${name}_$v.tflite" ]] && tflite_files+=("$out/${name}_$v.tflite")
  done
done
for ((round = 0; round < rounds; ++round)); do
  bench ort "${onnx_files[@]}"
  bench litert "${tflite_files[@]}" "$qat"
  if [[ -n "$native_tflite" ]]; then bench tflite "${tflite_files[@]}" "$qat"; fi
done

cell() {  # runtime path
  local v=${p50["$1|$2"]:-}
  if [[ -n "$v" ]]; then echo "$v ms"; else echo "-"; fi
}
ratio() {  # runtime path base_path
  local a=${p50["$1|$2"]:-} b=${p50["$1|$3"]:-}
  if [[ -n "$a" && -n "$b" ]]; then
    awk -v a="$a" -v b="$b" 'BEGIN { printf "%.2fx", a / b }'
  else
    echo "-"
  fi
}
echo
header="| model | variant | ORT p50 | ORT vs FP32 | LiteRT p50 | LiteRT vs FP32 | LiteRT vs QAT uint8 |"
sep="|---|---|---:|---:|---:|---:|---:|"
if [[ -n "$native_tflite" ]]; then
  header="$header TFLite p50 | TFLite vs FP32 |"
  sep="$sep---:|---:|"
fi
echo "$header"
echo "$sep"
for m in "${models[@]}"; do
  IFS='|' read -r name _ _ <<<"$m"
  for v in $variants; do
    o="$out/${name}_$v.onnx" t="$out/${name}_$v.tflite"
    row="| $name | $v | $(cell ort "$o") | $(ratio ort "$o" "$out/${name}_fp32.onnx") |"
    row="$row $(cell litert "$t") | $(ratio litert "$t" "$out/${name}_fp32.tflite") |"
    row="$row $(ratio litert "$t" "$qat") |"
    if [[ -n "$native_tflite" ]]; then
      row="$row $(cell tflite "$t") | $(ratio tflite "$t" "$out/${name}_fp32.tflite") |"
    fi
    echo "$row"
  done
done
row="| Google QAT uint8 (atu_v3-small_224_1.0_uint8) | uint8 | - | - | $(cell litert "$qat") | - |"
row="$row 1.00x |"
if [[ -n "$native_tflite" ]]; then row="$row $(cell tflite "$qat") | - |"; fi
echo "$row"
echo
echo "files: $out"
exit $status
