#!/usr/bin/env bash
# sdk-parity.sh: do sdk/include's scx/ and bpf/ headers declare the same
# names, with the same signatures, as Linux 7.3's
# tools/sched_ext/include/scx and libbpf-dev's bpf/*.h? (scripts/sdk_parity.py
# compares; tests/upstream/sdk-parity-allow.txt lists the known gaps.)
# The upstream headers are fetched once into the cache that
# scripts/upstream.sh uses (scripts/lib/upstream-sources.sh).
#
#   scripts/sdk-parity.sh
#
# Environment: UPS_UPSTREAM_CACHE (default ~/.cache/upsched/upstream),
# UPS_APT_MIRROR. Exit 77 (skipped, said on stderr) when the upstream
# headers cannot be had.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=lib/private-apt.sh
source "$ROOT/scripts/lib/private-apt.sh"
# shellcheck source=lib/upstream-sources.sh
source "$ROOT/scripts/lib/upstream-sources.sh"
CACHE=${UPS_UPSTREAM_CACHE:-${HOME:-/root}/.cache/upsched/upstream}
skip() {
  echo "sdk-parity: SKIPPED: $*" >&2
  exit 77
}
command -v python3 >/dev/null || skip "python3 is missing"
mkdir -p "$CACHE"
exec 9>"$CACHE/lock"
flock 9
why=$(upstream_sched_ext "$CACHE" 2>&1) || skip "${why##*$'\n'}"
why=$(upstream_libbpf "$CACHE" 2>&1) || skip "${why##*$'\n'}"
flock -u 9
exec python3 "$ROOT/scripts/sdk_parity.py" --ours "$ROOT/sdk/include" \
  --scx "$CACHE/linux-source-7.3/tools/sched_ext/include/scx" \
  --libbpf "$CACHE/libbpf/usr/include/bpf" --allow "$ROOT/tests/upstream/sdk-parity-allow.txt"
