#!/usr/bin/env bash
# upstream.sh: how far each of Linux 7.3's tools/sched_ext schedulers gets
# in upsched, taken unchanged from Debian's linux-source-7.3 package
# (trixie-backports, fetched through a private apt state and cached; never
# copied into the repository).
#
# For each scx_*.bpf.c, the stages in order:
#   compile  clang-14 and clang-19 against sdk/include (both must pass)
#   verify   `upsched verify` of the clang-19 object
#   run      `upsched sim` on the hogs and schbench presets at 2 and 8 CPUs,
#            1 s each: exit code 0 (no ejection), no task lost, no group of
#            tasks left without CPU
#   behaves  what its source intends, checked on those runs where
#            tests/upstream/behaviour.txt names checks (one or more): `weights`
#            (each hog group's CPU share within 5 points of its weight's share),
#            `cgroup_weights` (on extra runs of the cgroups preset: each
#            cgroup's CPU share, the JSON's cgroups, within 5% of its
#            cpu.weight's share),
#            `cpu0_only` (every task ran on CPU 0, the others stayed idle),
#            `central_only` (every task a dispatch() put on a local DSQ was
#            put there by the central CPU 0's: the JSON's dispatch_placements),
#            `pair` (on extra runs of the cgroups preset, traced: whenever
#            both CPUs of a pair run tasks, the tasks are of one cgroup),
#            `userland` (upsched's run of its user-space half got CPU, and
#            every enqueue went to it: its .bss counters, --dump-maps)
# and the first problem met (a compiler error, the verifier's refusal, a
# run's exit report). Where a scheduler's own loader sets parameters or
# resizes arrays before load, tests/upstream/loaders.txt says so, and the
# runs load it with those (`?NAME=VALUE`, `?NAME[]=N`, `?NAME=V0,V1,...`;
# a line `NAME:CPUS` is for runs at that CPU count only).
#
#   scripts/upstream.sh [--upsched PATH] [--check FILE] [--doc FILE] [--bench N]
#
#   --upsched PATH  the binary (default build/upsched)
#   --check FILE    FILE lists "scheduler stage" lines (the stage each one
#                   reaches today); exit 1 if one reaches less (a
#                   regression), and say so when one reaches more
#   --doc FILE      rewrite the status table of FILE (docs/upstream.md)
#                   between its <!-- status --> markers
#   --bench N       instead of the stages after verify: time `upsched verify`
#                   of each scheduler that compiles N times and print the
#                   median per scheduler, of the verifier's own time (the
#                   sum over its callbacks, `verify -v`) and of the whole
#                   command (loading the object included)
#
# Environment: UPS_UPSTREAM_CACHE (default ~/.cache/upsched/upstream),
# UPS_APT_MIRROR. Exit 77 (skipped, said on stderr) when the sources or a
# compiler cannot be had.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=lib/private-apt.sh
source "$ROOT/scripts/lib/private-apt.sh"
# shellcheck source=lib/upstream-sources.sh
source "$ROOT/scripts/lib/upstream-sources.sh"
CACHE=${UPS_UPSTREAM_CACHE:-${HOME:-/root}/.cache/upsched/upstream}
UPSCHED=$ROOT/build/upsched
CHECK=""
DOC=""
BENCH=0
while (($#)); do
  case "$1" in
    --upsched) UPSCHED=$2; shift ;;
    --check) CHECK=$2; shift ;;
    --doc) DOC=$2; shift ;;
    --bench) BENCH=$2; shift ;;
    *) echo "upstream: unknown argument '$1' (see the header of $0)" >&2; exit 2 ;;
  esac
  shift
done
skip() {
  echo "upstream: SKIPPED: $*" >&2
  exit 77
}
[[ -x $UPSCHED ]] || { echo "upstream: $UPSCHED is missing (build the upsched target)" >&2; exit 2; }
for c in clang-14 clang-19; do command -v $c >/dev/null || skip "$c is missing (scripts/install-deps.sh)"; done

# ---- the sources, fetched once ----------------------------------------------
SRC=$CACHE/linux-source-7.3/tools/sched_ext
mkdir -p "$CACHE"
exec 9>"$CACHE/lock"
flock 9
why=$(upstream_sched_ext "$CACHE" 2>&1) || skip "${why##*$'\n'}"
flock -u 9

# ---- each scheduler ---------------------------------------------------------
WORK=$(mktemp -d "${TMPDIR:-/tmp}/upsched-upstream.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
declare -A reached problem loader behaviour
while read -r n spec; do
  [[ -z $n || $n == \#* ]] && continue
  loader[$n]=$spec
done <"$ROOT/tests/upstream/loaders.txt"
while read -r n check; do
  [[ -z $n || $n == \#* ]] && continue
  behaviour[$n]=$check
done <"$ROOT/tests/upstream/behaviour.txt"
# behaviour checks on one run's --json (argv: check, file, preset, its --trace)
behaviour_check='
import json, sys
check, r, preset = sys.argv[1], json.load(open(sys.argv[2])), sys.argv[3]
def switches(path):
    # per CPU, [(time, comm or None for idle)] from sched_switch lines
    out = {}
    for line in open(path):
        if "sched_switch:" not in line: continue
        head, rest = line.split(": sched_switch: ")
        cpu = int(head.split("[")[1].split("]")[0])
        t = float(head.split()[-1].rstrip(":"))
        nxt = rest.split("next_comm=")[1].split(" next_pid=")[0]
        out.setdefault(cpu, []).append((t, None if nxt.startswith("swapper/") else nxt))
    return out
if check == "weights" and preset == "hogs":
    total = sum(g["weight"] for g in r["groups"])
    for g in r["groups"]:
        want = g["weight"] / total
        if abs(g["cpu_share"] - want) > 0.05:
            sys.exit("group %s (weight %d) got %.1f%% of the CPU, its weight %.1f%%"
                     % (g["name"], g["weight"], 100 * g["cpu_share"], 100 * want))
elif check == "pair" and preset == "cgroups":
    # scx_pair.c pairs CPU i with (i + nr_cpus / 2) % nr_cpus.
    cg = {g["name"]: g["cgroup"] for g in r["groups"]}
    sw, n = switches(sys.argv[4]), len(r["cpu_busy"])
    same = mixed = 0.0
    for a in range(n // 2):
        b = a + n // 2
        ev = sorted([(t, a, c) for t, c in sw.get(a, [])] + [(t, b, c) for t, c in sw.get(b, [])])
        cur, last = {a: None, b: None}, 0.0
        for t, cpu, comm in ev:
            if cur[a] and cur[b]:
                if cg[cur[a]] == cg[cur[b]]: same += t - last
                else: mixed += t - last
            cur[cpu], last = comm, t
    if mixed > 0.001 * (same + mixed) or same == 0:
        sys.exit("paired CPUs ran tasks of different cgroups for %.1f ms (of the same one for %.1f ms)"
                 % (1e3 * mixed, 1e3 * same))
elif check == "userland":
    bss = {}
    for c in r.get("maps", []):
        for m in c["maps"]:
            if m["name"] == ".bss": bss = m.get("globals", {})
    half = [g for g in r["groups"] if g["name"] == "scx_userland"]
    if not half or half[0]["run_s"] <= 0:
        sys.exit("the user-space scheduler (its task scx_userland) did not run")
    user, kern, failed = (bss.get(k) for k in ("nr_user_enqueues", "nr_kernel_enqueues", "nr_failed_enqueues"))
    if not user or kern != 0 or failed != 0:
        sys.exit("enqueues to user space %s, kept in the kernel %s, failed %s: not every task went through the "
                 "user-space scheduler" % (user, kern, failed))
elif check == "cgroup_weights" and preset == "cgroups":
    # The cgroups preset: flat cgroups (children of the root, which has no task).
    cgs = [c for c in r["cgroups"] if c["path"] != "/"]
    total = sum(c["weight"] for c in cgs)
    for c in r["cgroups"]:
        want = c["weight"] / total if c["path"] != "/" else 0.0
        if abs(c["cpu_share"] - want) > 0.05 * want or (want == 0 and c["cpu_share"] > 0):
            sys.exit("cgroup %s (cpu.weight %d) got %.2f%% of the CPU, its weight %.2f%%"
                     % (c["path"], c["weight"], 100 * c["cpu_share"], 100 * want))
elif check == "cpu0_only":
    busy = r["cpu_busy"]
    if busy[0] < 0.9 or any(b > 0.01 for b in busy[1:]):
        sys.exit("CPU busy " + ", ".join("%.0f%%" % (100 * b) for b in busy) + ": not everything on CPU 0")
elif check == "central_only":
    placed = r["dispatch_placements"]
    if placed[0] == 0 or any(placed[1:]):
        sys.exit("tasks placed on local DSQs by dispatch() on each CPU: " + ", ".join(map(str, placed)) +
                 ": not all by the central CPU 0")
'

names=()
declare -A bench
# "VERIFIER_MS WALL_MS" medians of N runs of `upsched verify -v OBJ`, or
# "refused" (argv: object, N).
verify_times() {
  local i t0 t1 out ver=() wall=()
  for ((i = 0; i < $2; i++)); do
    t0=$(date +%s%N)
    out=$("$UPSCHED" verify -v "$1" 2>&1) || { echo refused; return; }
    t1=$(date +%s%N)
    ver+=("$(sed -n 's/.*, \([0-9.]*\) ms\( (.*)\)\{0,1\}$/\1/p' <<<"$out" | awk '{s += $1} END {printf "%.3f", s}')")
    wall+=("$(awk -v d=$((t1 - t0)) 'BEGIN {printf "%.1f", d / 1e6}')")
  done
  median() { printf '%s\n' "$@" | sort -g | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}'; }
  echo "$(median "${ver[@]}") $(median "${wall[@]}")"
}
run_check='
import json, sys
r = json.load(open(sys.argv[1]))
if r["lost_tasks"]: sys.exit(str(r["lost_tasks"]) + " task(s) lost")
idle = [g["name"] for g in r["groups"] if g["cpu_share"] == 0]
if idle: sys.exit("group(s) " + ", ".join(idle) + " got no CPU")
'
first_line() { { grep -m1 -E "$1" "$2" || tail -n1 "$2"; } | sed -e "s|$SRC/||g" -e "s|$ROOT/||g" -e "s|$WORK/||g" | cut -c1-200; }
for src in "$SRC"/scx_*.bpf.c; do
  name=$(basename "$src" .bpf.c)
  names+=("$name")
  reached[$name]=none
  problem[$name]=""
  ok=1
  for c in clang-14 clang-19; do
    if ! (cd "$SRC" && $c -O2 -g -target bpf -mcpu=v3 -D__TARGET_ARCH_x86 -I "$ROOT/sdk/include" \
          -c "$src" -o "$WORK/$name.$c.o") >"$WORK/$name.$c.log" 2>&1; then
      ok=0
      [[ -n ${problem[$name]} ]] || problem[$name]="$c: $(first_line 'error' "$WORK/$name.$c.log")"
    fi
  done
  ((ok)) || continue
  reached[$name]=compile
  obj=$WORK/$name.bpf.o
  cp "$WORK/$name.clang-19.o" "$obj"
  if ((BENCH > 0)); then
    bench[$name]=$(verify_times "$obj" "$BENCH")
    continue
  fi
  if ! "$UPSCHED" verify "$obj" >"$WORK/$name.verify" 2>&1; then
    # the refusal, not the callbacks verified before it nor the progress
    # lines of a long verification
    grep -v ' so far$' "$WORK/$name.verify" >"$WORK/$name.refusal" || true
    problem[$name]="verify: $(first_line ': instruction [0-9]+: ' "$WORK/$name.refusal")"
    continue
  fi
  reached[$name]=verify
  runs_ok=1
  presets="hogs schbench"
  trace=()
  # scx_userland's check reads its counters in .bss.
  dump=()
  [[ ${behaviour[$name]:-} == userland ]] && dump=(--dump-maps)
  # scx_pair's and the cgroup_weights check need cgroups (pair: and the
  # timeline of each CPU).
  [[ " ${behaviour[$name]:-} " =~ \ (pair|cgroup_weights)\  ]] && presets+=" cgroups"
  for preset in $presets; do
    for cpus in 2 8; do
      json=$WORK/$name.$preset.$cpus.json
      spec=${loader[$name:$cpus]:-${loader[$name]:-}}
      [[ $preset == cgroups ]] && trace=(--trace "$WORK/$name.$preset.$cpus.trace")
      if ! "$UPSCHED" sim --preset "$preset" --cpus "$cpus" --duration 1s --policy "$obj${spec//\{cpus\}/$cpus}" --json "$json" "${trace[@]}" "${dump[@]}" \
          >"$WORK/$name.sim" 2>&1; then
        runs_ok=0
        problem[$name]="sim $preset, $cpus CPUs: $(first_line 'exit|error|lost' "$WORK/$name.sim")"
        break 2
      fi
      # Nothing lost, and no group of tasks left without CPU: a scheduler
      # missing what its loader would give it may run and starve tasks.
      if ! starved=$(python3 -c "$run_check" "$json" 2>&1); then
        runs_ok=0
        problem[$name]="sim $preset, $cpus CPUs: $starved"
        break 2
      fi
    done
  done
  ((runs_ok)) || continue
  reached[$name]=run
  [[ -n ${behaviour[$name]:-} ]] || continue
  for json in "$WORK/$name".*.json; do
    preset=$(basename "$json" | cut -d. -f2)
    cpus=$(basename "$json" | cut -d. -f3)
    for check in ${behaviour[$name]}; do
      if ! why=$(python3 -c "$behaviour_check" "$check" "$json" "$preset" "${json%.json}.trace" 2>&1); then
        problem[$name]="$check, $preset, $cpus CPUs: $why"
        continue 3
      fi
    done
  done
  reached[$name]=behaves
done

# ---- report -------------------------------------------------------------------
if ((BENCH > 0)); then
  echo "| scheduler | verifier ms (median of $BENCH) | upsched verify ms, whole command |"
  echo "|---|---|---|"
  for n in "${names[@]}"; do
    [[ -n ${bench[$n]:-} ]] || continue
    read -r v w <<<"${bench[$n]}"
    echo "| $n | $v | ${w:-} |"
  done
  exit 0
fi
table="| scheduler | reaches | first problem |
|---|---|---|"
for n in "${names[@]}"; do
  table+="
| $n | ${reached[$n]} | ${problem[$n]//|/\\|} |"
done
echo "$table"
count() { local k=0 n; for n in "${names[@]}"; do [[ ${reached[$n]} == "$1" ]] && k=$((k + 1)); done; echo $k; }
echo "upstream: ${#names[@]} schedulers: $(count behaves) behave as intended, $(count run) run, $(count verify) verify only, $(count compile) compile only, $(count none) do not compile"

if [[ -n $DOC ]]; then
  python3 - "$DOC" "$table" <<'EOF'
import sys
path, table = sys.argv[1], sys.argv[2]
text = open(path).read()
a, b = text.index('<!-- status -->'), text.index('<!-- /status -->')
open(path, 'w').write(text[:a] + '<!-- status -->\n' + table + '\n' + text[b:])
EOF
fi

rc=0
if [[ -n $CHECK ]]; then
  rank() { case $1 in none) echo 0 ;; compile) echo 1 ;; verify) echo 2 ;; run) echo 3 ;; behaves) echo 4 ;; *) echo -1 ;; esac; }
  while read -r n want; do
    [[ -z $n || $n == \#* ]] && continue
    got=${reached[$n]:-missing}
    if (($(rank "$got") < $(rank "$want"))); then
      echo "upstream: REGRESSION: $n reaches $got, expected $want: ${problem[$n]:-}" >&2
      rc=1
    elif (($(rank "$got") > $(rank "$want"))); then
      echo "upstream: $n now reaches $got (expected $want): update $CHECK"
    fi
  done <"$CHECK"
fi
exit $rc
