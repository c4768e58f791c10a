#!/usr/bin/env bash
# jit_insns.sh [BUILD_DIR]: machine instructions per run of each
# bench/interp_bench program, native gcc -O2 and JITed (the JIT's entry
# through the executor included), counted with callgrind
# (interp_bench --callgrind-once), and the ratios JIT/native: the figure
# that noise on a shared machine does not move. The timed ratios come from
# interp_bench's JIT table.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=lib/callgrind.sh
source scripts/lib/callgrind.sh
callgrind_setup jit_insns.sh "${1:-build}" interp_bench
valgrind --tool=callgrind --callgrind-out-file="$out/cg" "$bench" --callgrind-once >/dev/null 2>&1
python3 - "$out" <<'PY'
import glob, re, sys
n = {}
for path in glob.glob(sys.argv[1] + "/cg.*"):
    tag = total = None
    for line in open(path):
        m = re.match(r'^desc: Trigger: Client Request: (\S+)', line)
        if m: tag = m.group(1)
        m = re.match(r'^summary: (\d+)', line)
        if m: total = int(m.group(1))
    if tag and total is not None: n[tag] = total
progs = [t.split('/', 1)[1] for t in sorted(n) if t.startswith('native/')]
print(f"{'program':<10} {'native':>8} {'jit':>8} {'jit/native':>10}")
ratios = []
for p in progs:
    r = n['jit/' + p] / n['native/' + p]
    ratios.append(r)
    print(f"{p:<10} {n['native/' + p]:>8} {n['jit/' + p]:>8} {r:>9.2f}x")
print(f"average {sum(ratios) / len(ratios):.2f}, worst {max(ratios):.2f}")
PY
