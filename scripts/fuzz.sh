#!/usr/bin/env bash
# fuzz.sh [SECONDS] [TARGET...]: build the libFuzzer targets with clang-14
# (ASan+UBSan) in build-fuzz/ and run each for SECONDS (default 30) over its
# corpus in fuzz/corpus/<target>/ plus the seeds under tests/data. Any crash,
# leak or sanitizer report fails the script; the reproducer is left in
# build-fuzz/artifacts/.
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-30}
shift || true
cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_C_COMPILER=clang-14 -DCMAKE_CXX_COMPILER=clang++-14 -DUPS_FUZZ=ON \
  -DUPS_BUILD_TESTS=OFF -DUPS_BUILD_BENCH=OFF -DUPS_BUILD_POLICIES=OFF >/dev/null
targets=("$@")
if ((${#targets[@]} == 0)); then
  mapfile -t targets < <(sed -n 's/^ups_fuzzer(\([a-z_]*\) .*/\1/p' fuzz/CMakeLists.txt)
fi
cmake --build build-fuzz -j "${UPS_JOBS:-$(nproc)}" --target "${targets[@]}"
mkdir -p build-fuzz/artifacts
for t in "${targets[@]}"; do
  corpus=build-fuzz/corpus/$t
  mkdir -p "$corpus"
  seeds=()
  [[ -d fuzz/corpus/$t ]] && seeds+=("fuzz/corpus/$t")
  [[ -f fuzz/$t.seeds ]] && while read -r d; do [[ -d $d ]] && seeds+=("$d"); done < "fuzz/$t.seeds"
  echo "fuzz: $t for ${secs}s"
  ./build-fuzz/fuzz/"$t" -max_total_time="$secs" -print_final_stats=1 \
    -artifact_prefix=build-fuzz/artifacts/"$t"- "$corpus" "${seeds[@]}" 2>&1 | tail -4
done
