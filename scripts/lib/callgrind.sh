# callgrind.sh: what the instruction-counting scripts (cycle_cost.sh,
# jit_insns.sh) share: the benchmark binary they run under callgrind, checked,
# and a scratch directory for callgrind's files, removed on exit.
#
#   callgrind_setup SCRIPT BUILD_DIR BENCH   sets $bench and $out, or exits 2
callgrind_setup() {
  local script=$1 build=$2 name=$3
  bench=$build/bench/$name
  [[ -x $bench ]] || { echo "$script: $bench is missing (build the $name target)" >&2; exit 2; }
  command -v valgrind >/dev/null || { echo "$script: needs valgrind (scripts/install-deps.sh installs it)" >&2; exit 2; }
  out=$(mktemp -d)
  trap 'rm -rf "$out"' EXIT
}
