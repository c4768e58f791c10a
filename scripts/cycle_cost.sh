#!/usr/bin/env bash
# cycle_cost.sh [BUILD_DIR]: machine instructions per scheduling cycle of
# bench/policy_bench's BM_Cycle* (native twin, interpreted, JITed, each
# confined), counted with callgrind inside Core::schedule, wake_up and
# block_current, which noise on a shared machine does not move; then the
# ratios the issues ask for. The timed ratios come from policy_bench itself.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=lib/callgrind.sh
source scripts/lib/callgrind.sh
callgrind_setup cycle_cost.sh "${1:-build}" policy_bench
for b in BM_CycleNativeSimple BM_CycleBpfSimple BM_CycleBpfSimpleConfined BM_CycleJitSimple BM_CycleJitSimpleConfined; do
  valgrind --tool=callgrind --callgrind-out-file="$out/$b" --toggle-collect='*Core::schedule*' \
    --toggle-collect='*Core::wake_up*' --toggle-collect='*Core::block_current*' \
    "$bench" --benchmark_filter="^$b\$" --benchmark_min_time=0.1 >/dev/null 2>&1
done
python3 - "$out" <<'EOF'
import os, re, sys
# Instructions collected / calls of Core::schedule from run_cycle (one per
# iteration of the benchmark loop, calibration runs included).
def per_cycle(path):
    names, total, calls, fn, callee = {}, 0, 0, "", ""
    for line in open(path):
        m = re.match(r'^(fn|cfn)=\((\d+)\)(?: (.*))?', line)
        if m:
            kind, i, name = m.groups()
            if name: names[i] = name
            if kind == 'fn': fn = names.get(i, '')
            else: callee = names.get(i, '')
            continue
        m = re.match(r'^calls=(\d+)', line)
        if m and 'Core::schedule(' in callee and 'run_cycle' in fn: calls += int(m.group(1))
        m = re.match(r'^(?:summary|totals): (\d+)', line)
        if m: total = int(m.group(1))
    return total / calls
d = sys.argv[1]
n = {b: per_cycle(os.path.join(d, b)) for b in sorted(os.listdir(d))}
for b, v in n.items(): print(f"{b:28s} {v:8.0f} instructions per cycle")
def ratio(what, a, b, goal): print(f"{what:40s} {n[a] / n[b]:5.2f}  (goal {goal})")
ratio("interpreted / native", "BM_CycleBpfSimple", "BM_CycleNativeSimple", "<= 4")
ratio("JIT / native", "BM_CycleJitSimple", "BM_CycleNativeSimple", "<= 1.5")
ratio("interpreted confined / unconfined", "BM_CycleBpfSimpleConfined", "BM_CycleBpfSimple", "<= 1.10")
ratio("JIT confined / unconfined", "BM_CycleJitSimpleConfined", "BM_CycleJitSimple", "<= 1.10")
EOF
