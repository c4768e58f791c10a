#!/usr/bin/env bash
# linux-vm.sh: load upsched's policies into a real Linux sched_ext kernel.
#
# Boots Debian's CONFIG_SCHED_CLASS_EXT=y cloud kernel (trixie-backports)
# under qemu TCG with a busybox initramfs, registers every sdk/policies
# policy in turn with tests/linux_vm/register.c (a loader that holds it, as
# a scheduler's own loader does), runs
# tests/linux_vm/workload.c under it and records what Linux did: the load
# verdict (with the verifier's log on failure), per-task CPU share, wakeup
# latency, the scheduler's state and its exit as the kernel log tells it.
# How and why: ../shared/reference/linux-sched_ext-vm.md.
#
# Packages come from a private apt state in the cache directory; the host's
# apt configuration is never touched. One guest boot runs all objects.
#
#   scripts/linux-vm.sh [--full] [--out FILE] [--objects DIR] [--check]
#
#   --full        longer runs (8 s per policy instead of 3)
#   --verifier-suite  also ask Linux's verifier about every program of
#                 tests/data/verifier (tests/linux_vm/verifier_suite.py
#                 translates them; loaded, never attached)
#   --out FILE    the results, one JSON object per object (default
#                 $CACHE/results.jsonl)
#   --objects DIR load DIR/*.bpf.o too (compiled elsewhere against
#                 $CACHE/btf/vmlinux.h), e.g. the verifier suite's objects
#   --check       compare each sdk policy's outcome with
#                 tests/linux_vm/expect.txt; exit 1 on a difference
#   --build-only  fetch and compile, print the vmlinux.h directory, no boot
#   --only GLOB   load only the sdk policies and upstream schedulers whose
#                 name matches GLOB (e.g. 'scx_*'); --check then checks those
#
# The guest's files and console.log are left in a fresh directory under
# $TMPDIR (named on the output).
#
# Environment: UPS_LINUX_VM_CACHE (default ~/.cache/upsched/linux-vm),
# UPS_APT_MIRROR, UPS_LINUX_VM_KSUITE (default trixie-backports),
# UPS_LINUX_VM_TIMEOUT (qemu wall-clock limit, default 420 s),
# UPS_LINUX_VM_QEMU_EXTRA (more qemu options, e.g. "-icount shift=auto"),
# UPS_UPSTREAM_CACHE (where linux-source-7.3 is kept, shared with
# scripts/upstream.sh).
#
# Exit: 0 done (with --check: every policy as expected), 1 a failure,
# 77 skipped because a prerequisite is missing (no network, no qemu, no
# sched_ext kernel): said loudly on stderr; ctest reports it as skipped.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=lib/private-apt.sh
source "$ROOT/scripts/lib/private-apt.sh"
# shellcheck source=lib/upstream-sources.sh
source "$ROOT/scripts/lib/upstream-sources.sh"
SKIP=77
CACHE=${UPS_LINUX_VM_CACHE:-${HOME:-/root}/.cache/upsched/linux-vm}
KSUITE=${UPS_LINUX_VM_KSUITE:-trixie-backports}
QEMU_TIMEOUT=${UPS_LINUX_VM_TIMEOUT:-420}
SECONDS_PER_POLICY=3
OUT=""
EXTRA_OBJECTS=""
CHECK=0
BUILD_ONLY=0
VERIFIER_SUITE=0
ONLY='*'
while (($#)); do
  case "$1" in
    --full) SECONDS_PER_POLICY=8 ;;
    --verifier-suite) VERIFIER_SUITE=1 ;;
    --out) OUT=$2; shift ;;
    --objects) EXTRA_OBJECTS=$2; shift ;;
    --check) CHECK=1 ;;
    --build-only) BUILD_ONLY=1 ;;
    --only) ONLY=$2; shift ;;
    *) echo "linux-vm: unknown argument '$1' (see the header of $0)" >&2; exit 2 ;;
  esac
  shift
done

skip() {
  echo "linux-vm: SKIPPED: $*" >&2
  exit "$SKIP"
}
fail() {
  echo "linux-vm: FAILED: $*" >&2
  exit 1
}

# ---- host tools ---------------------------------------------------------
for pair in qemu-system-x86_64:qemu-system-x86 busybox:busybox-static zstd:zstd \
            python3:python3 gcc:build-essential apt-get:apt dpkg:dpkg; do
  command -v "${pair%%:*}" >/dev/null ||
    skip "${pair%%:*} is missing (package ${pair#*:}; scripts/install-deps.sh installs it)"
done
CLANG=$(command -v clang-19 || command -v clang-14 || command -v clang || true)
[[ -n $CLANG ]] || skip "no clang to compile the policies (scripts/install-deps.sh)"
BUSYBOX=$(command -v busybox)
if ldd "$BUSYBOX" >/dev/null 2>&1; then
  skip "$BUSYBOX is not static (package busybox-static)"
fi

# ---- kernel, bpftool, libbpf: fetched once into the cache -----------------
mkdir -p "$CACHE"
CACHE=$(cd "$CACHE" && pwd)
# One fetch at a time: two worktrees may run the test at once.
exec 9>"$CACHE/lock"
flock 9
fetch_packages() {
  # bpftool from bookworm-backports (below).
  private_apt_setup "$CACHE/apt" "$KSUITE" bookworm-backports || return 1
  rm -rf "$CACHE/pkg"
  mkdir -p "$CACHE/pkg"
  local apto=("${PRIVATE_APT_OPTS[@]}")
  local kpkg
  kpkg=$(apt-cache "${apto[@]}" depends "linux-image-cloud-amd64/$KSUITE" |
         awk '/Depends: linux-image-/{print $2; exit}')
  [[ -n $kpkg ]] || { echo "linux-vm: no linux-image-cloud-amd64 in $KSUITE" >&2; return 1; }
  KVER=${kpkg#linux-image-}
  # bpftool from bookworm-backports: 7.5 runs on the bookworm host and in the
  # guest with the host's libraries; bookworm's 7.1 cannot register a link.
  (cd "$CACHE/pkg" && apt-get "${apto[@]}" -qq download "linux-binary-$KVER/$KSUITE" \
      "linux-base-$KVER/$KSUITE" bpftool/bookworm-backports libbpf-dev/bookworm-backports) || return 1
  rm -rf "$CACHE/root"
  local f
  for f in "$CACHE"/pkg/*.deb; do dpkg -x "$f" "$CACHE/root"; done
  echo "$KVER" >"$CACHE/kver"
}
if [[ ! -s $CACHE/kver || ! -x $CACHE/root/usr/sbin/bpftool ]]; then
  echo "linux-vm: fetching the $KSUITE kernel, bpftool and libbpf into $CACHE"
  fetch_packages || skip "could not fetch the kernel/bpftool/libbpf packages from the Debian mirror"
fi
KVER=$(cat "$CACHE/kver")
VMLINUZ=$CACHE/root/usr/lib/modules/$KVER/vmlinuz
BPFTOOL=$CACHE/root/usr/sbin/bpftool
[[ -f $VMLINUZ ]] || fail "$VMLINUZ missing from the cached packages (remove $CACHE/kver to refetch)"
grep -q '^CONFIG_SCHED_CLASS_EXT=y' "$CACHE/root/usr/lib/modules/$KVER/config" ||
  skip "kernel $KVER from $KSUITE has no CONFIG_SCHED_CLASS_EXT"
"$BPFTOOL" version >/dev/null 2>&1 || skip "$BPFTOOL does not run on this host"

# ---- vmlinux.h from the guest kernel's BTF --------------------------------
BTF_DIR=$CACHE/btf
if [[ ! -s $BTF_DIR/vmlinux.h ]]; then
  mkdir -p "$BTF_DIR"
  # The bzImage payload is a zstd-compressed ELF vmlinux that carries .BTF.
  python3 - "$VMLINUZ" "$BTF_DIR/vmlinux" <<'EOF'
import subprocess, sys
d = open(sys.argv[1], 'rb').read()
i = d.find(b'\x28\xb5\x2f\xfd')
while i != -1:
    out = subprocess.run(['zstd', '-dcq'], input=d[i:], capture_output=True).stdout
    if out[:4] == b'\x7fELF':
        open(sys.argv[2], 'wb').write(out)
        sys.exit(0)
    i = d.find(b'\x28\xb5\x2f\xfd', i + 1)
sys.exit('linux-vm: no ELF payload in ' + sys.argv[1])
EOF
  "$BPFTOOL" btf dump file "$BTF_DIR/vmlinux" format c >"$BTF_DIR/vmlinux.h.tmp"
  mv "$BTF_DIR/vmlinux.h.tmp" "$BTF_DIR/vmlinux.h"
  rm -f "$BTF_DIR/vmlinux"
fi

flock -u 9

# ---- the policies, compiled against the guest's vmlinux.h -----------------
# A fresh directory per run (kept: its console.log is the evidence).
WORK=$(mktemp -d "${TMPDIR:-/tmp}/upsched-linux-vm.XXXXXX")
mkdir -p "$WORK/initrd/policies" "$WORK/compile"
: >"$WORK/initrd/policies.list"
# BTF_DIR first: common.bpf.h includes "vmlinux.h", so the kernel's wins
# over sdk/include/vmlinux.h. -w: the 7.x vmlinux.h has anonymous tagged
# members (Microsoft extension) that clang warns about.
compile_flags=(-O2 -g -target bpf -mcpu=v3 -D__TARGET_ARCH_x86 -w -I"$BTF_DIR" -I"$ROOT/sdk/include")
for src in "$ROOT"/sdk/policies/*.bpf.c; do
  name=$(basename "$src" .bpf.c)
  # shellcheck disable=SC2053 # a glob on purpose
  [[ $name == $ONLY ]] || continue
  if "$CLANG" "${compile_flags[@]}" -c "$src" -o "$WORK/initrd/policies/$name.bpf.o" \
       2>"$WORK/compile/$name.log"; then
    echo "$name" >>"$WORK/initrd/policies.list"
  else
    echo "linux-vm: $name does not compile against $KVER's vmlinux.h:" >&2
    cat "$WORK/compile/$name.log" >&2
  fi
done
if [[ -n $EXTRA_OBJECTS ]]; then
  for obj in "$EXTRA_OBJECTS"/*.bpf.o; do
    [[ -e $obj ]] || continue
    cp "$obj" "$WORK/initrd/policies/"
    basename "$obj" .bpf.o >>"$WORK/initrd/policies.list"
  done
fi
# ---- Linux 7.3's own schedulers, each with its own loader ------------------
# tools/sched_ext from linux-source-7.3 (scripts/lib/upstream-sources.sh, the
# cache scripts/upstream.sh uses), built the way its Makefile does: the BPF
# half against the guest's vmlinux.h, a skeleton from bpftool, the loader
# linked static with the libbpf of the same tree (bpftool 7.5's skeletons
# need libbpf 1.5; bookworm's is 1.4). Built once per kernel and version of
# this script, then cached.
: >"$WORK/initrd/upstream.list"
UPSTREAM_SKIPPED=""
upstream_build() {
  local src=$UPSTREAM_CACHE/linux-source-7.3/tools out=$1 s
  mkdir -p "$out/libbpf/obj"
  make -s -C "$src/lib/bpf" -j "$(nproc)" BUILD_STATIC_ONLY=1 OUTPUT="$out/libbpf/obj/" \
    DESTDIR="$out/libbpf" prefix=/usr "$out/libbpf/obj/libbpf.a" install_headers >/dev/null || return 1
  local inc=$out/libbpf/usr/include sx=$src/sched_ext
  for s in "$sx"/scx_*.bpf.c; do
    s=$(basename "$s" .bpf.c)
    { "$CLANG" -g -O2 -mcpu=v3 -D__TARGET_ARCH_x86 -mlittle-endian -target bpf \
        -I"$sx/include" -I"$sx/include/bpf-compat" -I"$BTF_DIR" -I"$inc" \
        -idirafter /usr/include/x86_64-linux-gnu -idirafter /usr/include \
        -Wno-compare-distinct-pointer-types -Wno-microsoft-anon-tag -fms-extensions \
        -c "$sx/$s.bpf.c" -o "$out/$s.bpf.o" &&
      "$BPFTOOL" gen object "$out/$s.linked.o" "$out/$s.bpf.o" &&
      "$BPFTOOL" gen skeleton "$out/$s.linked.o" name "$s" >"$out/$s.bpf.skel.h" &&
      gcc -O2 -pthread -I"$out" -I"$sx/include" -I"$inc" -c "$sx/$s.c" -o "$out/$s.o" &&
      gcc -static -s -o "$out/$s" "$out/$s.o" "$out/libbpf/obj/libbpf.a" -lelf -lz -lpthread
    } >"$out/$s.log" 2>&1 || { echo "linux-vm: $s does not build:"; tail -n 20 "$out/$s.log"; } >&2
  done
}
UPSTREAM_CACHE=${UPS_UPSTREAM_CACHE:-${HOME:-/root}/.cache/upsched/upstream}
mkdir -p "$UPSTREAM_CACHE"
exec 8>"$UPSTREAM_CACHE/lock"
flock 8
if linux_source_extract "$UPSTREAM_CACHE" tools/sched_ext tools/lib/bpf tools/include \
     tools/scripts tools/build tools/arch/x86/include scripts; then
  ubin=$CACHE/upstream/$KVER-$(sha1sum "$0" | cut -c1-12)
  if [[ ! -f $ubin/built ]]; then
    echo "linux-vm: building Linux 7.3's tools/sched_ext schedulers and their loaders"
    rm -rf "$CACHE/upstream"
    upstream_build "$ubin" && touch "$ubin/built" || UPSTREAM_SKIPPED="libbpf of linux-source-7.3 does not build"
  fi
  mkdir -p "$WORK/initrd/upstream"
  for s in "$ubin"/scx_*; do
    [[ -x $s && ! -d $s ]] || continue # the loaders, not the objects
    # shellcheck disable=SC2053 # a glob on purpose
    [[ $(basename "$s") == $ONLY ]] || continue
    cp "$s" "$WORK/initrd/upstream/"
    basename "$s" >>"$WORK/initrd/upstream.list"
  done
else
  UPSTREAM_SKIPPED="the sources of linux-source-7.3 cannot be had"
fi
flock -u 8
[[ -z $UPSTREAM_SKIPPED ]] ||
  echo "linux-vm: SKIPPED the upstream schedulers: $UPSTREAM_SKIPPED" >&2

# The verifier's test programs: Linux's verdict only (load, no attach).
mkdir -p "$WORK/initrd/verify"
if ((VERIFIER_SUITE)); then
  python3 "$ROOT/tests/linux_vm/verifier_suite.py" "$ROOT/tests/data/verifier" "$WORK/suite" \
    "$BTF_DIR/vmlinux.h"
  # The kernel's libbpf headers (the programs call helpers by name), and
  # vmlinux.h precompiled once: parsing it is most of each compile.
  suite_flags=(-O2 -g -target bpf -mcpu=v4 -D__TARGET_ARCH_x86 -w)
  "$CLANG" "${suite_flags[@]}" -x c-header "$BTF_DIR/vmlinux.h" -o "$WORK/suite/vmlinux.h.pch"
  export CLANG WORK BTF_DIR CACHE
  printf '%s\n' "$WORK"/suite/*.bpf.c | xargs -P 2 -I{} sh -c '
    src=$1; shift
    name=$(basename "$src" .bpf.c)
    "$CLANG" "$@" 2>"$WORK/suite/$name.log" -c "$src" -o "$WORK/initrd/verify/$name.bpf.o" ||
      printf "%s\tdoes not compile: %s\n" "${name#v_}" "$(grep -m1 error: "$WORK/suite/$name.log")" \
        >>"$WORK/suite/untranslated.txt"' sh {} "${suite_flags[@]}" -include-pch "$WORK/suite/vmlinux.h.pch" \
        -I"$BTF_DIR" -I"$CACHE/root/usr/include"
fi
if ((BUILD_ONLY)); then
  echo "$BTF_DIR"
  exit 0
fi

# ---- initramfs -------------------------------------------------------------
I=$WORK/initrd
mkdir -p "$I/bin" "$I/usr/sbin" "$I/proc" "$I/sys" "$I/dev" "$I/tmp"
cp "$BUSYBOX" "$I/bin/busybox"
for a in $("$I/bin/busybox" --list); do
  [[ $a == busybox ]] || ln -sf busybox "$I/bin/$a" # a self-link: "No working init found"
done
cp "$BPFTOOL" "$I/usr/sbin/"
ldd "$BPFTOOL" | awk '$2 == "=>" && $3 ~ /^\// {print $3} $1 ~ /^\// {print $1}' |
  while read -r l; do mkdir -p "$I$(dirname "$l")"; cp -L "$l" "$I$l"; done
gcc -O2 -static -o "$I/workload" "$ROOT/tests/linux_vm/workload.c"
for tool in load_only register; do
  gcc -O2 -static -I"$CACHE/root/usr/include" -o "$I/$tool" "$ROOT/tests/linux_vm/$tool.c" \
    "$CACHE/root/usr/lib/x86_64-linux-gnu/libbpf.a" -lelf -lz
done
# libbpf reads the running kernel's configuration for a program's
# CONFIG_* externs (scx_central's) from /boot/config-$(uname -r).
mkdir -p "$I/boot"
cp "$CACHE/root/usr/lib/modules/$KVER/config" "$I/boot/config-$KVER"
cp "$ROOT/tests/linux_vm/init.sh" "$I/init"
chmod +x "$I/init"
# Two CPUs, like the simulated machine of docs/fidelity.md: four spinners
# (one at nice 5, a quarter of the weight) and two sleepers.
cat >"$I/run.conf" <<EOF
SECONDS_PER_POLICY=$SECONDS_PER_POLICY
SLEEP_US=2000
TASKS="busy0:busy:0 busy1:busy:0 busy2:busy:0 busy_nice5:busy:5 sleep0:sleep:0 sleep1:sleep:0"
EOF
(cd "$I" && find . | "$BUSYBOX" cpio -o -H newc 2>/dev/null | gzip -1) >"$WORK/initrd.cpio.gz"

# ---- boot --------------------------------------------------------------------
# Single-threaded TCG: multi-threaded TCG in qemu 7.2 races on text_poke
# (sporadic "Oops: int3" at boot); /dev/kvm may be kvm-pvm, which cannot run
# a stock kernel (see the reference).
n=$(($(grep -c . "$I/policies.list") + $(grep -c . "$I/upstream.list") + $(find "$I/verify" -name '*.bpf.o' | wc -l)))
echo "linux-vm: booting $KVER with $n objects, ${SECONDS_PER_POLICY}s each (limit ${QEMU_TIMEOUT}s)"
start=$(date +%s)
timeout "$QEMU_TIMEOUT" qemu-system-x86_64 -accel tcg,thread=single ${UPS_LINUX_VM_QEMU_EXTRA:-} -smp 2 -m 1024 \
  -nographic -no-reboot -kernel "$VMLINUZ" -initrd "$WORK/initrd.cpio.gz" \
  -append "console=ttyS0 panic=-1 quiet loglevel=1" >"$WORK/console.log" 2>&1 || true
echo "linux-vm: guest ran $(($(date +%s) - start)) s; console: $WORK/console.log"
rm -rf "$WORK/initrd" "$WORK/initrd.cpio.gz"
grep -aq '^UPSVM-DONE' "$WORK/console.log" ||
  fail "the guest did not finish (timeout or crash); last lines:
$(tail -n 30 "$WORK/console.log")"

OUT=${OUT:-$CACHE/results.jsonl}
args=("$WORK/console.log" "$OUT" --kernel "$KVER")
((CHECK)) && args+=(--expect "$ROOT/tests/linux_vm/expect.txt" --only "$ONLY")
[[ -z $UPSTREAM_SKIPPED ]] || args+=(--not-loaded "scx_*: $UPSTREAM_SKIPPED")
if ((VERIFIER_SUITE)); then
  cp "$WORK/suite/untranslated.txt" "${OUT%.jsonl}.untranslated.txt"
  cp "$WORK/suite/ours.txt" "${OUT%.jsonl}.ours.txt"
fi
python3 "$ROOT/tests/linux_vm/results.py" "${args[@]}"
