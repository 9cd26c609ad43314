# Sourced by the bench scripts: where the project, its Release benchmark build and the shared data
# are, and `bench_build TARGET...`, which configures and builds those targets quietly (the build
# log is shown only when something fails, and the script then exits).
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${MCONV_BUILD_DIR:-$root/build-bench}"
shared="${MCONV_SHARED_DIR:-$root/../shared}/data"

bench_build() {
  local log="$build/bench_build.log"
  mkdir -p "$build"
  if ! { cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release &&
         cmake --build "$build" -j"$(nproc)" --target "$@"; } >"$log" 2>&1; then
    cat "$log" >&2
    exit 1
  fi
}
