#!/usr/bin/env bash
# Issue 12's figures: for every shared PyTorch checkpoint, the wall time of reading it and building
# the graph (`mconv inspect`), of one converted file (`convert -o X.onnx`), and the architecture
# mconv recognised; then the whole six-variant `convert mobilenet_v3_small.pth -o DIR` (no
# verification images) with its stages from the report.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/bench_build.sh"
pth="$shared/models/pth"
out="$(mktemp -d /tmp/mconv_torch_bench.XXXXXX)"
bench_build mconv
mconv="$build/mconv"
echo "machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
printf "%-30s %-22s %10s %12s\n" checkpoint architecture "read+build" "-o X.onnx"
for file in "$pth"/*.pth; do
  name="$(basename "$file" .pth)"
  arch="$("$mconv" inspect "$file" | sed -n 's/^producer: *PyTorch checkpoint (\([^,]*\),.*/\1/p')"
  read_s="$( { /usr/bin/time -f %e "$mconv" inspect "$file" >/dev/null; } 2>&1 )"
  onnx_s="$( { /usr/bin/time -f %e "$mconv" convert "$file" -o "$out/$name.onnx" >/dev/null; } 2>&1 )"
  printf "%-30s %-22s %8s s %10s s\n" "$name" "$arch" "$read_s" "$onnx_s"
done
echo
/usr/bin/time -f "convert mobilenet_v3_small.pth -o DIR: wall %e s, peak RSS %M KiB" \
  "$mconv" convert "$pth/mobilenet_v3_small.pth" -o "$out/six" >/dev/null
grep -E '^- time:' "$out/six/report.md" | sed 's/^- time: /  /'
rm -rf "$out"
