#!/usr/bin/env bash
# The FaaS study for real (docs/faas.md, "Measured for real"): the model's
# polling chains on the runtime (`upsched faas --real`), fair against
# faas_event (the SDK's BPF object), interleaved per chain count so that
# both policies of a row see the same machine load; next to each, the
# simulator's figures for the same parameters (2 CPUs, costs x0.05). Prints
# a markdown table (and writes it to --out FILE if given).
#   scripts/faas_real.sh [BUILD_DIR] [--chains 1,2,5,10,20] [--duration 3s] [--runtime spin|microvm|container] [--work arith|image] [--out FILE]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=$root/build
chains=1,2,5,10,20
duration=3s
runtime=spin
work=arith
outfile=
if [[ $# -gt 0 && $1 != --* ]]; then build=$1; shift; fi
while [[ $# -gt 0 ]]; do
  case $1 in
    --chains) chains=${2:?--chains needs a list}; shift 2 ;;
    --duration) duration=${2:?--duration needs a time}; shift 2 ;;
    --runtime) runtime=${2:?--runtime needs a model}; shift 2 ;;
    --work) work=${2:?--work needs a kind}; shift 2 ;;
    --out) outfile=${2:?--out needs a file}; shift 2 ;;
    *) echo "faas_real.sh: unknown argument '$1'" >&2; exit 2 ;;
  esac
done
upsched=$build/upsched
event=$build/policies/faas_event.bpf.o
[[ -f $event ]] || { echo "faas_real.sh: $event is missing (cmake --build $build --target policies)" >&2; exit 2; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# The simulator at the real run's sizes (faas_real_defaults in src/cli/faas_real.cpp).
printf '[faas]\ncost_scale = 0.05\ncpus = 2\nduration_s = 30\n' > "$tmp/sim.toml"
for p in fair "$event"; do
  tag=$([[ $p == fair ]] && echo fair || echo event)
  "$upsched" faas --runtime "$runtime" --params "$tmp/sim.toml" --chains "$chains" --policy "$p" \
    --json "$tmp/sim-$tag.json" > /dev/null
done
# One calibration for every run: each then does the same work per
# `compute` whatever the machine's load when it starts.
rate=$("$upsched" run --preset hogs --work "$work" --duration 1ms | sed -n 's/^calibration: .*, \([0-9.]*\) [a-z]*\/us.*/\1/p')
[[ -n $rate ]] || { echo "faas_real.sh: no calibration from upsched run" >&2; exit 1; }
echo "faas_real.sh: $work work, $rate units/us for every run" >&2
for n in ${chains//,/ }; do
  for p in fair "$event"; do
    tag=$([[ $p == fair ]] && echo fair || echo event)
    "$upsched" faas --real --runtime "$runtime" --work "$work" --work-rate "$rate" --chains "$n" --duration "$duration" --policy "$p" --json "$tmp/real-$tag-$n.json" >&2
  done
done
python3 - "$tmp" "$chains" "$duration" > "$tmp/table.md" <<'PY'
import json, sys
tmp, chains, duration = sys.argv[1], [int(c) for c in sys.argv[2].split(',')], sys.argv[3]
sim = {t: {r['chains']: r for r in json.load(open(f'{tmp}/sim-{t}.json'))} for t in ('fair', 'event')}
print(f'| chains | idle fair | idle faas_event | p99 fair ms | p99 faas_event ms | p99 fair/faas_event '
      f'| chains/s fair | chains/s faas_event | sim idle fair | sim idle faas_event | sim p99 fair/faas_event |')
print('|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|')
# No chain completed in the run (fair at 20 micro-VM chains): no p99.
ratio = lambda a, b: f'{a / b:.2f}' if a > 0 and b > 0 else 'n/a'
p99 = lambda r: f"{r['latency_ms']['p99']:.0f}" if r['latency_ms']['p99'] > 0 else 'none done'
for n in chains:
    f, e = (json.load(open(f'{tmp}/real-{t}-{n}.json'))[0] for t in ('fair', 'event'))
    for r in (f, e):
        if r['lost_tasks'] or 'error' in r:
            sys.exit(f'faas_real.sh: {n} chains: {r.get("error", "tasks lost")}')
    sf, se = sim['fair'][n], sim['event'][n]
    print(f"| {n} | {f['idle_ratio']*100:.1f} % | {e['idle_ratio']*100:.1f} % "
          f"| {p99(f)} | {p99(e)} "
          f"| {ratio(f['latency_ms']['p99'], e['latency_ms']['p99'])} "
          f"| {f['throughput_rps']:.1f} | {e['throughput_rps']:.1f} "
          f"| {sf['idle_ratio']*100:.1f} % | {se['idle_ratio']*100:.1f} % "
          f"| {ratio(sf['latency_ms']['p99'], se['latency_ms']['p99'])} |")
PY
cat "$tmp/table.md"
[[ -z $outfile ]] || cp "$tmp/table.md" "$outfile"
