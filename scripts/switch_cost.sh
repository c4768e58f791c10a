#!/usr/bin/env bash
# switch_cost.sh [BUILD_DIR]: machine instructions per fiber switch through
# the core (bench/runtime_bench's BM_CoreFiberSwitchQuiet: yield ->
# Core::yield_current + Core::schedule -> the other fiber), counted with
# callgrind over a whole run of 2x10000 and of 2x30000 yields; the
# difference over the 40000 extra switches leaves out the runtime's setup.
# Noise on a shared machine does not move it, where times vary 2x.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=lib/callgrind.sh
source scripts/lib/callgrind.sh
callgrind_setup switch_cost.sh "${1:-build}" runtime_bench
for n in 10000 30000; do
  valgrind --tool=callgrind --callgrind-out-file="$out/$n" \
    "$bench" --benchmark_filter="^BM_CoreFiberSwitchQuiet/$n/" --benchmark_min_time=0.01 >/dev/null 2>&1
done
python3 - "$out" <<'PY'
import re, sys
def total(path):
    for line in open(path):
        m = re.match(r'^(?:summary|totals): (\d+)', line)
        if m: return int(m.group(1))
    raise SystemExit(f"switch_cost.sh: no total in {path}")
d = sys.argv[1]
print(f"{(total(d + '/30000') - total(d + '/10000')) / 40000:.0f} instructions per fiber switch through the core")
PY
