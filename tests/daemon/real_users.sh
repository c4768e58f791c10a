#!/usr/bin/env bash
# real_users.sh BUILD_DIR POLICY_DIR: upschedd with real Unix users. Creates
# alice (in group sched) and bob, starts upschedd on a temporary socket with
# an admission file that grants group sched sched.load on CPUs 0-1 below
# fair and bob nothing, and runs `upsched` as each of them (runuser): who
# they are comes from the kernel (SO_PEERCRED), never from an argument.
# Root only (skipped, exit 77, otherwise); the users, the group and the
# daemon are removed on every exit path.
set -uo pipefail
build=$1
policies=$2
skip() { echo "SKIPPED: $*"; exit 77; }
[[ $(id -u) == 0 ]] || skip "needs root to create users (useradd)"
for t in useradd userdel groupadd groupdel runuser; do
  command -v "$t" >/dev/null || skip "$t is missing"
done
for n in alice bob; do
  ! id "$n" >/dev/null 2>&1 || skip "a user named $n exists already; not touching it"
done
! getent group sched >/dev/null || skip "a group named sched exists already; not touching it"

tmp=$(mktemp -d)
chmod 755 "$tmp"
daemon_pid=
cleanup() {
  [[ -n $daemon_pid ]] && kill "$daemon_pid" 2>/dev/null && wait "$daemon_pid" 2>/dev/null
  userdel -f alice 2>/dev/null; userdel -f bob 2>/dev/null
  groupdel sched 2>/dev/null; groupdel alice 2>/dev/null; groupdel bob 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT

failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

groupadd sched || exit 1
useradd -M -U -G sched alice || exit 1
useradd -M -U bob || exit 1
sched_gid=$(getent group sched | cut -d: -f3)
alice_uid=$(id -u alice)
bob_uid=$(id -u bob)
cp "$policies/simple.bpf.o" "$policies/bad_kick_without_cap.bpf.o" "$tmp/"
cat > "$tmp/job.toml" <<'TOML'
name = "job"
[[tasks]]
name = "hog"
count = 2
program = [ { forever = [ { compute = "1ms" }, { sleep = "1ms" } ] } ]
TOML
chmod 644 "$tmp"/*.bpf.o "$tmp/job.toml"

write_admission() {  # $1: alice's own caps (besides group sched's), $2: bob's caps
  cat > "$tmp/admission.toml" <<TOML
[groups.sched]
gid = $sched_gid
caps = ["sched.load", "sched.cpus=0-1"]
${1:+[users.alice]
uid = $alice_uid
gid = $alice_uid
caps = $1
}${2:+[users.bob]
uid = $bob_uid
gid = $bob_uid
caps = $2
}
TOML
}
write_admission "" ""

sock=$tmp/upsched.sock
"$build/upschedd" --socket "$sock" --admission "$tmp/admission.toml" --audit "$tmp/audit.log" \
  --cpus 4 >"$tmp/daemon.out" 2>&1 &
daemon_pid=$!
for _ in $(seq 100); do [[ -S $sock ]] && break; sleep 0.05; done
[[ -S $sock ]] || { cat "$tmp/daemon.out"; fail "upschedd did not start"; exit 1; }
[[ $(stat -c %a "$sock") == 666 ]] || fail "socket mode is $(stat -c %a "$sock"), not 666"

# as USER ARGS...: runs the client as USER; its output in $out, status in $rc.
as() {
  local user=$1
  shift
  out=$(runuser -u "$user" -- "$build/upsched" --socket "$sock" "$@" 2>&1)
  rc=$?
}
expect_ok() { [[ $rc == 0 ]] || fail "$1: exit $rc: $out"; }
expect_refused() {  # what, then words the message must contain
  local what=$1
  shift
  [[ $rc != 0 ]] || fail "$what: accepted: $out"
  for w in "$@"; do [[ $out == *"$w"* ]] || fail "$what: no '$w' in: $out"; done
}
# Waits until the audit log has N lines containing TEXT.
await_audit() {
  for _ in $(seq 100); do
    (($(grep -c -- "$2" "$tmp/audit.log") >= $1)) && return 0
    sleep 0.05
  done
  fail "no audit line '$2'"
}

# 1. alice (through group sched) loads below fair on CPUs 0-1.
as alice load "$tmp/simple.bpf.o" --below fair --cpus 0-1
expect_ok "alice's load"
[[ $out == *"loaded class simple.$alice_uid (below_fair, CPUs 0-1)"* ]] || fail "alice's load said: $out"
# ... but not above fair, nor on CPUs outside her grant.
as alice load "$tmp/simple.bpf.o" --name alice2 --above fair
expect_refused "alice above fair" "lacks sched.chain.above_fair" "rule: admission" "groups.sched"
as alice load "$tmp/simple.bpf.o" --name alice3 --cpus 2-3
expect_refused "alice on CPUs 2-3" "may use CPUs 0-1 only (sched.cpus)" "rule: admission"

# 2. bob is refused, with the rule named.
as bob load "$tmp/simple.bpf.o"
expect_refused "bob's load" "lacks sched.load" "rule: admission" "no entry for uid $bob_uid"

# ... nor may he run a simulator session; alice may, with her policy.
as bob submit --sim --preset hogs --duration 100ms
expect_refused "bob's simulator session" "lacks sched.load" "rule: admission"
as alice submit --sim --preset hogs --duration 100ms --policy "$tmp/simple.bpf.o"
expect_ok "alice's simulator session"
[[ $out == *simple.bpf.o* ]] || fail "alice's simulator session reported: $out"

# 3. sched.kick: refused to alice without it.
as alice load "$tmp/bad_kick_without_cap.bpf.o"
expect_refused "a kicking policy without sched.kick" "scx_bpf_kick_cpu needs capability sched.kick"

# 4. A broken admission file is refused on SIGHUP; the old one stays.
cp "$tmp/admission.toml" "$tmp/good.toml"
echo "[users.mallory" >> "$tmp/admission.toml"
kill -HUP "$daemon_pid"
await_audit 1 '"event":"reload"'
grep -q '"decision":"refused","event":"reload"' "$tmp/audit.log" || fail "the broken file was not refused"
as bob load "$tmp/simple.bpf.o"
expect_refused "bob after a broken reload" "lacks sched.load"

# 5. A good file: alice gets sched.kick, bob sched.load; alice's class stays.
write_admission '["sched.kick"]' '["sched.load"]'
kill -HUP "$daemon_pid"
await_audit 2 '"event":"reload"'
grep -q '"decision":"granted","event":"reload"' "$tmp/audit.log" || fail "the good file was not taken"
as alice load "$tmp/bad_kick_without_cap.bpf.o" --name alice_kick --cpus 0-1
expect_ok "the kicking policy with sched.kick"
as bob load "$tmp/simple.bpf.o" --name bobs
expect_ok "bob's load after the reload"
as bob list
expect_ok "bob's list"
[[ $out == *"simple.$alice_uid"*alice* && $out == *bobs*bob* && $out == *alice_kick* ]] || fail "list: $out"

# 6. Isolation: bob's tasks (a submitted job, in his class) are his: alice
# cannot attach them to her class nor see them; bob and root can.
as bob submit "$tmp/job.toml" --class bobs --duration 60s
expect_ok "bob's submit"
job=$(sed -n 's/^job \([0-9]*\):.*/\1/p' <<<"$out")
[[ -n $job ]] || fail "bob's submit said: $out"
as alice attach "simple.$alice_uid" --job "$job"
expect_refused "alice attaching bob's job" "may not attach job $job: its tasks belong to bob" "rule: isolation"
as bob attach "simple.$alice_uid" --job "$job"
expect_refused "bob attaching to alice's class" "may not attach tasks to class simple.$alice_uid" "rule: isolation"
as alice stats --json
expect_ok "alice's stats"
[[ $out != *"\"uid\": $bob_uid"* && $out != *'"workload"'* ]] || fail "alice's stats show bob's tasks or job: $out"
as bob stats
[[ $out == *bobs*bob*2* && $out == *"$job"*job.toml*bobs* ]] || fail "bob's stats: $out"
as root attach fair --job "$job"
expect_ok "root attaching bob's job"

# 7. Isolation: alice cannot unload or replace bob's class nor read its reports.
as alice unload bobs
expect_refused "alice unloading bob's class" "may not unload class bobs: it belongs to bob" "rule: isolation"
as alice replace bobs "$tmp/simple.bpf.o"
expect_refused "alice replacing bob's class" "may not replace class bobs: it belongs to bob" "rule: isolation"
as bob replace bobs "$tmp/simple.bpf.o"
expect_ok "bob replacing his class"
as bob unload bobs
expect_ok "bob unloading his class"
[[ $out == *"unloaded by bob"* ]] || fail "bob's unload report: $out"
as alice logs bobs
expect_refused "alice reading bob's reports" "may not read the exit reports of class bobs" "rule: isolation"
as alice logs
expect_ok "alice's logs"
[[ $out != *bobs* ]] || fail "alice's logs show bob's class: $out"
as bob logs
[[ $out == *"bobs (bob)"*"replaced by bobs"*"bobs (bob)"*"unloaded by bob"* ]] || fail "bob's logs: $out"
# Root may unload anyone's; alice then reads her own report.
as root unload "simple.$alice_uid"
expect_ok "root unloading alice's class"
as alice logs
[[ $out == *"simple.$alice_uid (alice)"*"unloaded by root"* ]] || fail "alice's logs: $out"

# 8. The audit log has one line per decision, each with its rule.
grep -q '"decision":"refused".*"rule":"admission .*no entry for uid '"$bob_uid" "$tmp/audit.log" ||
  fail "no audit line for bob's refusal"
grep -q '"class":"bobs","decision":"refused".*"rule":"isolation' "$tmp/audit.log" || fail "no audit line for alice's unload"
for verb in attach replace logs; do
  grep -q '"decision":"refused".*"peer":{[^}]*"user":"alice"}.*"rule":"isolation.*"verb":"'$verb'"' "$tmp/audit.log" ||
    fail "no audit line for alice's refused $verb"
done
if ((failures > 0)); then
  echo "--- audit log"; cat "$tmp/audit.log"; echo "--- daemon"; cat "$tmp/daemon.out"
  exit 1
fi
echo "PASS: real users"
