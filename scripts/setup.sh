#!/usr/bin/env bash
# Installs everything mconv needs on a fresh Debian bookworm machine. Idempotent: Debian packages are
# only installed when missing; ONNX Runtime is fetched once into .cache/ and reused afterwards.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cache="${MCONV_CACHE:-$root/.cache}"

packages=(build-essential cmake pkg-config git ca-certificates
  libonnx-dev protobuf-compiler libprotobuf-dev
  flatbuffers-compiler libflatbuffers-dev
  libeigen3-dev libjpeg62-turbo-dev libpng-dev
  libgtest-dev libgmock-dev
  nodejs npm clang libclang-rt-14-dev
  zlib1g-dev chromium unzip)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  # node/npm may already come from elsewhere (e.g. a preinstalled Node 20): skip them then.
  if command -v node >/dev/null && command -v npm >/dev/null; then
    filtered=()
    for p in "${missing[@]}"; do [[ "$p" == nodejs || "$p" == npm ]] || filtered+=("$p"); done
    missing=("${filtered[@]}")
  fi
fi
if [ "${#missing[@]}" -gt 0 ]; then
  sudo_cmd=""; [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  echo "setup: installing ${missing[*]}" >&2
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# ONNX Runtime 1.30: the Linux x64 library ships in onnxruntime-node, the C/C++ headers (API 29,
# compatible) in a Unity package. Both come from the npm registry.
ort_dir="$cache/onnxruntime-1.30.0"
if [ ! -f "$ort_dir/lib/libonnxruntime.so.1" ] || [ ! -f "$ort_dir/include/onnxruntime_cxx_api.h" ]; then
  tmp="$(mktemp -d)"
  trap 'rm -rf "$tmp"' EXIT
  echo "setup: fetching ONNX Runtime 1.30 from npm" >&2
  (cd "$tmp" && npm pack --silent onnxruntime-node@1.30.0 com.github.asus4.onnxruntime@0.4.9 >/dev/null)
  mkdir -p "$tmp/lib" "$tmp/include"
  tar -xzf "$tmp/onnxruntime-node-1.30.0.tgz" -C "$tmp/lib" --strip-components=5 \
    package/bin/napi-v6/linux/x64/libonnxruntime.so.1
  hdr="package/Plugins/iOS~/onnxruntime.xcframework/ios-arm64_x86_64-simulator/onnxruntime.framework/Headers"
  tar -xzf "$tmp/com.github.asus4.onnxruntime-0.4.9.tgz" -C "$tmp/include" --strip-components=7 "$hdr"
  rm -rf "$ort_dir.partial" && mkdir -p "$ort_dir.partial"
  mv "$tmp/lib" "$tmp/include" "$ort_dir.partial/"
  rm -rf "$ort_dir" && mv "$ort_dir.partial" "$ort_dir"
fi
echo "setup: ok (ONNX Runtime in $ort_dir)" >&2

# LiteRT runner (tools/litert): Google's LiteRT.js (WASM) + tfjs-tflite fallback from npm into
# .cache/litert, the oracle that runs every .tflite mconv writes. Reused when already installed.
litert_dir="$cache/litert"
if [ ! -f "$litert_dir/node_modules/@litertjs/core/package.json" ] ||
   [ ! -f "$litert_dir/node_modules/@tensorflow/tfjs-tflite/package.json" ] ||
   ! cmp -s "$root/tools/litert/package.json" "$litert_dir/package.json"; then
  echo "setup: installing the LiteRT runner packages into $litert_dir" >&2
  mkdir -p "$litert_dir"
  rm -rf "$litert_dir/wasm_cjs"
  cp "$root/tools/litert/package.json" "$litert_dir/package.json"
  # --legacy-peer-deps: tfjs-tflite's tfjs-core peer is not needed (only its WASM client is used).
  (cd "$litert_dir" && npm install --no-audit --no-fund --legacy-peer-deps --loglevel=error >/dev/null)
fi
# The emscripten glue must load as CommonJS but sits in a "type":"module" package: keep a copy
# beside a CommonJS package.json.
if [ ! -f "$litert_dir/wasm_cjs/package.json" ]; then
  mkdir -p "$litert_dir/wasm_cjs.partial"
  cp "$litert_dir"/node_modules/@litertjs/core/wasm/* "$litert_dir/wasm_cjs.partial/"
  echo '{"type":"commonjs"}' > "$litert_dir/wasm_cjs.partial/package.json"
  rm -rf "$litert_dir/wasm_cjs" && mv "$litert_dir/wasm_cjs.partial" "$litert_dir/wasm_cjs"
fi
echo "setup: ok (LiteRT runner packages in $litert_dir)" >&2

# MediaPipe check (tools/mediapipe): Google's MediaPipe Tasks web build + puppeteer-core from npm
# into .cache/mediapipe; the test drives Debian's headless chromium with them.
mediapipe_dir="$cache/mediapipe"
if [ ! -f "$mediapipe_dir/node_modules/@mediapipe/tasks-vision/package.json" ] ||
   [ ! -f "$mediapipe_dir/node_modules/puppeteer-core/package.json" ] ||
   ! cmp -s "$root/tools/mediapipe/package.json" "$mediapipe_dir/package.json"; then
  echo "setup: installing the MediaPipe check packages into $mediapipe_dir" >&2
  mkdir -p "$mediapipe_dir"
  cp "$root/tools/mediapipe/package.json" "$mediapipe_dir/package.json"
  # puppeteer-core drives the system chromium: no browser download.
  (cd "$mediapipe_dir" && PUPPETEER_SKIP_DOWNLOAD=1 npm install --no-audit --no-fund --loglevel=error >/dev/null)
fi
echo "setup: ok (MediaPipe check packages in $mediapipe_dir)" >&2
