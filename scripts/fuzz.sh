#!/usr/bin/env bash
# fuzz.sh [--smoke] [SECONDS] [TARGET...]: build the libFuzzer targets with
# clang-14 (ASan+UBSan) in build-fuzz/ and fuzz each for SECONDS (default 30)
# over its working corpus plus the committed one (fuzz/corpus/<target>/,
# minimised, with the reproducers of past defects as regression seeds) and
# the seed folders in fuzz/<target>.seeds.
#
# Long runs (the default) use fork mode: a crash, timeout or out-of-memory
# input is saved to build-fuzz/artifacts/<target>-* and the run goes on, so
# one run reports every finding; the script then fails if any artifact was
# written. Each input gets at most -timeout=10 s and -rss_limit_mb (2048),
# and inputs grow to -max_len=65536 (large enough for workload files).
#
# --smoke (CI): every committed seed replayed once, then SECONDS (default 5)
# of fuzzing per target, no fork; any finding fails at once.
#
# UPS_JOBS: build jobs and fork workers (default: nproc); UPS_FUZZ_RSS_MB:
# the memory limit per input.
set -euo pipefail
cd "$(dirname "$0")/.."
smoke=0
if [[ ${1:-} == --smoke ]]; then
  smoke=1
  shift
fi
secs=${1:-$((smoke ? 5 : 30))}
shift || true
jobs=${UPS_JOBS:-$(nproc)}
rss=${UPS_FUZZ_RSS_MB:-2048}
cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_C_COMPILER=clang-14 -DCMAKE_CXX_COMPILER=clang++-14 -DUPS_FUZZ=ON \
  -DUPS_BUILD_TESTS=OFF -DUPS_BUILD_BENCH=OFF -DUPS_BUILD_POLICIES=OFF >/dev/null
targets=("$@")
if ((${#targets[@]} == 0)); then
  mapfile -t targets < <(sed -n 's/^ups_fuzzer(\([a-z_]*\) .*/\1/p' fuzz/CMakeLists.txt)
fi
cmake --build build-fuzz -j "$jobs" --target "${targets[@]}"
mkdir -p build-fuzz/artifacts
common=(-timeout=10 -rss_limit_mb="$rss" -malloc_limit_mb="$rss" -max_len=65536 -print_final_stats=1)
failed=0
for t in "${targets[@]}"; do
  seeds=()
  [[ -d fuzz/corpus/$t ]] && seeds+=("fuzz/corpus/$t")
  [[ -f fuzz/$t.seeds ]] && while read -r d; do [[ -d $d ]] && seeds+=("$d"); done < "fuzz/$t.seeds"
  prefix=build-fuzz/artifacts/$t-
  if ((smoke)); then
    echo "fuzz smoke: $t: ${#seeds[@]} seed folders replayed, then ${secs}s"
    # A fresh working corpus: the smoke is the same on every machine.
    work=$(mktemp -d)
    if ! ./build-fuzz/fuzz/"$t" "${common[@]}" -max_total_time="$secs" -artifact_prefix="$prefix" \
        "$work" "${seeds[@]}" > "build-fuzz/$t.smoke.log" 2>&1; then
      tail -30 "build-fuzz/$t.smoke.log"
      failed=1
    else
      grep -E '^stat::number_of_executed_units' "build-fuzz/$t.smoke.log" || true
    fi
    rm -rf "$work"
    continue
  fi
  corpus=build-fuzz/corpus/$t
  mkdir -p "$corpus"
  before=$(find build-fuzz/artifacts -name "$t-*" | wc -l)
  echo "fuzz: $t for ${secs}s, fork mode with $jobs workers"
  ./build-fuzz/fuzz/"$t" "${common[@]}" -max_total_time="$secs" -fork="$jobs" \
    -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1 -artifact_prefix="$prefix" \
    "$corpus" "${seeds[@]}" > "build-fuzz/$t.log" 2>&1 || true
  grep -E '^#[0-9]+: cov|^INFO: fuzzed for|^stat::' "build-fuzz/$t.log" | tail -3 || true
  after=$(find build-fuzz/artifacts -name "$t-*" | wc -l)
  if ((after > before)); then
    echo "fuzz: $t: $((after - before)) finding(s) in build-fuzz/artifacts/$t-*"
    failed=1
  fi
done
exit $failed
