#!/usr/bin/env bash
# build.sh [release|asan|demo]: configure and build into build/ or build-asan/.
# demo: only what `upsched demo` needs (the upsched binary and the SDK's
# policies), quietly, with one progress line; the full log is in
# build/build.log. release builds everything (tests, benchmarks).
set -euo pipefail
cd "$(dirname "$0")/.."
kind=${1:-release}
jobs=${UPS_JOBS:-$(nproc)}
targets=()
case "$kind" in
  release) dir=build; flags=(-DCMAKE_BUILD_TYPE=RelWithDebInfo) ;;
  demo) dir=build; flags=(-DCMAKE_BUILD_TYPE=RelWithDebInfo); targets=(--target upsched policies)
    # The first configure leaves out debug information (a quarter of the
    # compile time); a later `build.sh release` keeps the choice, so the
    # tests reuse the demo's objects (-DUPS_DEBUG_INFO=ON to change it).
    [[ -f $dir/CMakeCache.txt ]] || flags+=(-DUPS_DEBUG_INFO=OFF) ;;
  asan) dir=build-asan; flags=(-DCMAKE_BUILD_TYPE=Debug -DUPS_SANITIZE=ON -DUPS_BUILD_BENCH=OFF) ;;
  *) echo "usage: build.sh [release|asan|demo]" >&2; exit 2 ;;
esac
cmake -S . -B "$dir" -G Ninja "${flags[@]}" >/dev/null
if [[ $kind != demo ]]; then
  cmake --build "$dir" -j "$jobs"
  exit
fi
# Ninja's "[done/total] what" lines become one line rewritten in place.
log=$dir/build.log
start=$SECONDS
set +e
NINJA_STATUS="[%f/%t] " cmake --build "$dir" -j "$jobs" "${targets[@]}" 2>&1 | tee "$log" |
  while IFS= read -r line; do
    if [[ $line =~ ^\[([0-9]+)/([0-9]+)\] ]]; then
      printf '\rbuilding upsched and the policies: %s/%s steps, %ss ' \
        "${BASH_REMATCH[1]}" "${BASH_REMATCH[2]}" "$((SECONDS - start))" >&2
    fi
  done
rc=${PIPESTATUS[0]}
set -e
echo >&2
if [[ $rc -ne 0 ]]; then
  echo "build.sh: the build failed; the end of $log:" >&2
  tail -n 40 "$log" >&2
  exit "$rc"
fi
echo "build.sh: built upsched and the policies in $((SECONDS - start)) s (log: $log)" >&2
