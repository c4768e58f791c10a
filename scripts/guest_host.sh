#!/usr/bin/env bash
# Regenerates the results of docs/guest-host.md: workloads/guest-host.toml
# (4 VMs x 4 vCPUs on 8 CPUs, lock-heavy guests with a latency-critical
# task each) under three hosts: no hints (fair host, fair guests),
# pause-loop exiting (the same with ple_window: what Linux/KVM does
# without hints) and hints (virt_guest in the guests, virt_host on the
# host, with PLE); workloads/guest-idle.toml (the guest's idle hint) and
# workloads/priority-inversion.toml (lock_boost). Prints the tables;
# --write puts them into the document.
#   scripts/guest_host.sh [BUILD_DIR] [--small] [--runtime] [--write] [--docs DIR]
# --small (CI): 2 VMs x 4 vCPUs on 4 CPUs and 0.5 s simulated. HZ is 1000
# (the host policy looks at its vCPUs' hints at each tick).
# --runtime: also run the priority-inversion workload for real on the M:N
#   runtime (upsched run, 3 s of wall-clock time per policy: noisy figures).
# --docs DIR: the document's folder (default docs/).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=$root/build
docs=$root/docs
small=0
write=0
runtime=0
if [[ $# -gt 0 && $1 != --* ]]; then build=$1; shift; fi
while [[ $# -gt 0 ]]; do
  case $1 in
    --small) small=1; shift ;;
    --write) write=1; shift ;;
    --runtime) runtime=1; shift ;;
    --docs) docs=${2:?--docs needs a directory}; shift 2 ;;
    *) echo "guest_host.sh: unknown argument '$1'" >&2; exit 2 ;;
  esac
done
upsched=$build/upsched
[[ -x $upsched ]] || upsched=$build/src/cli/upsched
policies=$build/policies
ple='"50us"'
cpus=8 duration=4s vms=4
[[ $small == 1 ]] && cpus=4 duration=500ms vms=2
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

# variant NAME PLE GUEST_POLICY HOST_POLICY
variant() {
  local name=$1 ple_line=$2 guest=$3 host=$4
  sed -e "s|^count = 4  # VMs.*|count = $vms|" \
      -e "s|^guest_policies = .*|guest_policies = [\"$guest\"]\n$ple_line|" \
      "$root/workloads/guest-host.toml" > "$out/$name.toml"
  "$upsched" sim --workload "$out/$name.toml" --policy "$host" --cpus $cpus --duration $duration \
    --hz 1000 --seed 1 --json "$out/$name.json" > "$out/$name.txt"
}
variant none "" fair fair
variant ple "ple_window = $ple" fair fair
variant hints "ple_window = $ple" "$policies/virt_guest.bpf.o" "$policies/virt_host.bpf.o"
# The same without the guest's deadlines and steal-aware placement (the '&'
# escaped for sed).
variant hints_base "ple_window = $ple" "$policies/virt_guest.bpf.o?lat_deadline_ns=0\\&steal_aware=0" \
  "$policies/virt_host.bpf.o"

python3 - "$out" "$cpus" "$vms" "$duration" "$ple" > "$out/table.md" <<'PY'
import json, sys
out, cpus, vms, duration, ple = sys.argv[1:]
rows = [("none", "no hints (fair host, fair guests)"),
        ("ple", f"pause-loop exiting, window {ple.strip(chr(34))} (Linux/KVM without hints)"),
        ("hints", "hints: virt_guest + virt_host (with PLE)"),
        ("hints_base", "hints without guest deadlines and steal-aware placement")]
res = {}
for key, _ in rows:
    r = json.load(open(f"{out}/{key}.json"))
    if r.get("error") or r.get("lost_tasks"):
        sys.exit(f"guest_host.sh: {key}: {r.get('error')}, lost {r.get('lost_tasks')}")
    host = sum(v["host_cpu_s"] for v in r["vms"])
    spin = sum(v["spin_s"] for v in r["vms"])
    run = sum(v["guest_run_s"] for v in r["vms"])
    res[key] = dict(p99=r["request_latency_us"]["p99"], p50=r["request_latency_us"]["p50"],
                    n=r["requests"], useful=(run - spin) / host, spin=spin / host, host=host,
                    exits=sum(v["ple_exits"] for v in r["vms"]),
                    worst=max(v["request_latency_us"]["p99"] for v in r["vms"]))
print(f"{vms} VMs x 4 vCPUs on {cpus} CPUs (and 4 host I/O threads), HZ 1000, {duration} simulated, seed 1 "
      f"(`scripts/guest_host.sh{'' if vms == '4' else ' --small'}`):\n")
print("| host | latency p50 / p99 (us) | worst VM's p99 (us) | requests | useful CPU | wasted spin CPU | PLE exits |")
print("|---|---|---|---|---|---|---|")
for key, label in rows:
    x = res[key]
    print(f"| {label} | {x['p50']:.0f} / {x['p99']:.0f} | {x['worst']:.0f} | {x['n']} | {x['useful']*100:.1f}% | "
          f"{x['spin']*100:.1f}% | {x['exits']} |")
b, h, p = res["none"], res["hints"], res["ple"]
print()
print(f"Hints vs no hints: p99 {b['p99']/h['p99']:.1f}x lower, wasted spin "
      f"{b['spin']/max(h['spin'],1e-9):.1f}x lower. Hints vs PLE: p99 {p['p99']/h['p99']:.1f}x lower, "
      f"wasted spin {p['spin']/max(h['spin'],1e-9):.1f}x lower. (Useful CPU: guest time not spinning "
      f"per second of host CPU the vCPUs got; wasted spin: spinning per second of it.)")
PY

# The guest's idle hint: workloads/guest-idle.toml under virt_host, its
# quiet guest saying nothing (fair) or publishing its idle vCPUs (virt_guest).
for quiet in fair virt_guest; do
  spec=$quiet
  [[ $quiet != fair ]] && spec=$policies/$quiet.bpf.o
  sed -e "s|^guest_policies = .*# the quiet guest's policy|guest_policies = [\"$spec\"]|" \
      "$root/workloads/guest-idle.toml" > "$out/idle-$quiet.toml"
  "$upsched" sim --workload "$out/idle-$quiet.toml" --policy "$policies/virt_host.bpf.o" --cpus 4 \
    --duration $duration --hz 1000 --seed 1 --json "$out/idle-$quiet.json" > /dev/null
done
python3 - "$out" "$duration" > "$out/idle.md" <<'PY'
import json, sys
out, duration = sys.argv[1:]
res = {}
for quiet in ("fair", "virt_guest"):
    r = json.load(open(f"{out}/idle-{quiet}.json"))
    if r.get("error") or r.get("lost_tasks"):
        sys.exit(f"guest_host.sh: guest-idle with {quiet}: {r.get('error')}")
    res[quiet] = {v["name"]: v for v in r["vms"]}
print(f"`workloads/guest-idle.toml`: 4 CPUs, virt_host, HZ 1000, {duration} simulated, seed 1:\n")
print("| quiet guest's policy | quiet VM host CPU (s) | busy VM host CPU (s) | quiet VM requests | quiet VM p99 (us) |")
print("|---|---|---|---|---|")
labels = {"fair": "fair (publishes nothing)", "virt_guest": "virt_guest (publishes IDLE)"}
for quiet, vms in res.items():
    q, b = vms["quiet"], vms["busy"]
    print(f"| {labels[quiet]} | {q['host_cpu_s']:.3f} | {b['host_cpu_s']:.3f} | {q['requests']} | "
          f"{q['request_latency_us']['p99']:.0f} |")
f, v = res["fair"], res["virt_guest"]
print()
print(f"The idle hint cuts the quiet VM's host CPU by "
      f"{(1 - v['quiet']['host_cpu_s'] / f['quiet']['host_cpu_s']) * 100:.0f}% and gives the busy VM "
      f"{(v['busy']['host_cpu_s'] / f['busy']['host_cpu_s'] - 1) * 100:.0f}% more.")
PY

# Lock holders end to end: workloads/priority-inversion.toml under fair,
# simple (lock_boost without the boost) and lock_boost.
pi_duration=20s
[[ $small == 1 ]] && pi_duration=2s
for pol in fair simple lock_boost; do
  spec=$pol
  [[ $pol != fair ]] && spec=$policies/$pol.bpf.o
  "$upsched" sim --workload "$root/workloads/priority-inversion.toml" --policy "$spec" --cpus 2 \
    --duration $pi_duration --seed 1 --json "$out/pi-$pol.json" > /dev/null
done
python3 - "$out" "$pi_duration" > "$out/pi.md" <<'PY'
import json, sys
out, duration = sys.argv[1:]
res = {}
for pol in ("fair", "simple", "lock_boost"):
    r = json.load(open(f"{out}/pi-{pol}.json"))
    if r.get("error") or r.get("lost_tasks"):
        sys.exit(f"guest_host.sh: priority inversion under {pol}: {r.get('error')}")
    res[pol] = r["request_latency_us"]
print(f"2 CPUs, {duration} simulated, seed 1; the urgent task's requests, from arrival (waits for a CPU "
      f"and for the lock included):\n")
print("| policy | requests | p50 (us) | p99 (us) |")
print("|---|---|---|---|")
for pol, x in res.items():
    print(f"| {pol} | {x['count']} | {x['p50']:.0f} | {x['p99']:.0f} |")
print()
print(f"p99 under fair / under lock_boost: **{res['fair']['p99'] / res['lock_boost']['p99']:.2f}x**; "
      f"under simple / under lock_boost (the boost's own effect): "
      f"**{res['simple']['p99'] / res['lock_boost']['p99']:.1f}x**.")
PY
if [[ $runtime == 1 ]]; then
  for pol in fair simple lock_boost; do
    spec=$pol
    [[ $pol != fair ]] && spec=$policies/$pol.bpf.o
    "$upsched" run --workload "$root/workloads/priority-inversion.toml" --policy "$spec" --cpus 2 \
      --duration 3s --seed 1 --json "$out/rt-$pol.json" --quiet
  done
  python3 - "$out" >> "$out/pi.md" <<'PY'
import json, sys
out = sys.argv[1]
res = {p: json.load(open(f"{out}/rt-{p}.json"))["request_latency_us"] for p in ("fair", "simple", "lock_boost")}
print()
print("The same workload for real on the M:N runtime (`upsched run`, its fiber mutex reports holders to "
      "the core; 2 worker CPUs, 3 s wall-clock each, one run, so noisy):\n")
print("| policy | requests | p50 (us) | p99 (us) |")
print("|---|---|---|---|")
for pol, x in res.items():
    print(f"| {pol} | {x['count']} | {x['p50']:.0f} | {x['p99']:.0f} |")
print()
print(f"Runtime p99 under fair / under lock_boost: **{res['fair']['p99'] / max(res['lock_boost']['p99'], 1):.0f}x**.")
PY
fi
cat "$out/table.md"
echo
cat "$out/idle.md"
echo
cat "$out/pi.md"
if [[ $write == 1 ]]; then
  python3 - "$docs/guest-host.md" "$out/table.md" "$out/pi.md" "$out/idle.md" <<'PY'
import sys
doc = sys.argv[1]
text = open(doc).read()
for tag, path in (("guest_host.sh", sys.argv[2]), ("priority_inversion", sys.argv[3]),
                  ("guest_idle", sys.argv[4])):
    table = open(path).read().strip()
    begin, end = f"<!-- {tag} begin -->", f"<!-- {tag} end -->"
    if begin not in text:
        sys.exit(f"guest_host.sh: {doc} has no '{begin}' marker")
    head, rest = text.split(begin, 1)
    _, tail = rest.split(end, 1)
    text = head + begin + "\n" + table + "\n" + end + tail
open(doc, "w").write(text)
PY
fi
