#!/usr/bin/env bash
# The newcomer's path (ctest fast_start_*): usage: fast_start.sh MODE SOURCE_DIR BUILD_DIR
#   demo-targets: what scripts/build.sh demo builds (upsched, policies)
#     compiles no test and no benchmark, and is a small part of the tree.
#   install: `cmake --install` puts upsched in PREFIX/bin and the SDK in
#     PREFIX/share/upsched/sdk/{include,policies} (docs/getting-started.md),
#     and a policy builds from the installed SDK alone and runs.
set -euo pipefail
mode=$1 src=$2 build=$3
case "$mode" in
  demo-targets)
    grep -q 'targets=(--target upsched policies)' "$src/scripts/build.sh"
    grep -q 'build.sh demo' "$src/scripts/demo.sh"
    demo=$(ninja -C "$build" -t commands upsched policies | grep -c -- ' -c ' || true)
    all=$(ninja -C "$build" -t commands all | grep -c -- ' -c ' || true)
    bad=$(ninja -C "$build" -t commands upsched policies | grep -E -- ' -c [^ ]*/(tests|bench|fuzz)/' || true)
    echo "demo compiles $demo of $all files"
    [[ -z $bad ]] || { echo "the demo build compiles tests or benchmarks:"; echo "$bad" | head; exit 1; }
    (( demo * 10 < all * 7 )) || { echo "the demo build is not a small part of the tree"; exit 1; }
    # The demo's first configure leaves out debug information, and then
    # every C++ compile of upsched has -g0 (a quarter less compile time).
    grep -q 'flags+=(-DUPS_DEBUG_INFO=OFF)' "$src/scripts/build.sh"
    tmp=$(mktemp -d)
    trap 'rm -rf "$tmp"' EXIT
    cmake -S "$src" -B "$tmp" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DUPS_DEBUG_INFO=OFF \
      -DUPS_BUILD_TESTS=OFF -DUPS_BUILD_BENCH=OFF -DUPS_BUILD_POLICIES=OFF >/dev/null
    cxx=$(ninja -C "$tmp" -t commands upsched | grep -c -- ' -c .*\.cpp$' || true)
    nodebug=$(ninja -C "$tmp" -t commands upsched | grep -- ' -c .*\.cpp$' | grep -c -- ' -g0 ' || true)
    echo "without debug information: $nodebug of $cxx compiles have -g0"
    (( cxx > 0 && nodebug == cxx )) || { echo "UPS_DEBUG_INFO=OFF leaves debug information in"; exit 1; }
    ;;
  install)
    prefix=$(mktemp -d)
    trap 'rm -rf "$prefix"' EXIT
    cmake --install "$build" --prefix "$prefix" >/dev/null
    test -x "$prefix/bin/upsched"
    test -f "$prefix/share/upsched/sdk/include/scx/common.bpf.h"
    test -f "$prefix/share/upsched/sdk/policies/simple.bpf.c"
    test -f "$prefix/share/upsched/policies/simple.bpf.o"
    export PATH="$prefix/bin:$PATH"
    cd "$prefix"
    clang=$(command -v clang-19 || command -v clang-14)
    "$clang" -O2 -g -target bpf -mcpu=v3 -I "$prefix/share/upsched/sdk/include" \
      -c "$prefix/share/upsched/sdk/policies/simple.bpf.c" -o mine.bpf.o
    upsched sim --preset hogs --duration 100ms --policy mine.bpf.o | grep -q 'class share: fair 0.0% mine.bpf.o 100.0%'
    echo "installed and ran a policy built from the installed SDK"
    ;;
  *) echo "unknown mode $mode"; exit 2 ;;
esac
