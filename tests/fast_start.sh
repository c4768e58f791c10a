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
