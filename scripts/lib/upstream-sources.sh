# shellcheck shell=bash
# upstream-sources.sh (sourced): the upstream files upsched is measured
# against, fetched once through a private apt state (private-apt.sh) into a
# cache, never copied into the repository. Used by scripts/upstream.sh and
# scripts/sdk-parity.sh.
#
#   upstream_sched_ext CACHE   CACHE/linux-source-7.3/tools/sched_ext from
#                              Debian's linux-source-7.3 (trixie-backports)
#   upstream_libbpf CACHE      CACHE/libbpf/usr/include/bpf from trixie's
#                              libbpf-dev
# Each returns 1 with the reason on stderr when it cannot be had. Callers
# hold a lock on CACHE (two worktrees may fetch at once).

upstream_sched_ext() {
  local cache=$1
  [[ -f $cache/linux-source-7.3/tools/sched_ext/scx_simple.bpf.c ]] && return 0
  echo "upstream: fetching linux-source-7.3 (trixie-backports) into $cache" >&2
  (private_apt_setup "$cache/apt" trixie-backports &&
   rm -rf "$cache/pkg" && mkdir -p "$cache/pkg" &&
   cd "$cache/pkg" && apt-get "${PRIVATE_APT_OPTS[@]}" -qq download linux-source-7.3/trixie-backports) ||
    { echo "could not fetch linux-source-7.3 from the Debian mirror" >&2; return 1; }
  # Only tools/sched_ext of the 160 MB tarball.
  dpkg-deb --fsys-tarfile "$cache"/pkg/linux-source-7.3_*.deb |
    tar -xO ./usr/src/linux-source-7.3.tar.xz |
    tar -xJ -C "$cache" --wildcards 'linux-source-7.3/tools/sched_ext/*' ||
    { echo "could not unpack tools/sched_ext from linux-source-7.3" >&2; return 1; }
  rm -rf "$cache/pkg" "$cache/apt"
}

upstream_libbpf() {
  local cache=$1
  [[ -f $cache/libbpf/usr/include/bpf/bpf_helper_defs.h ]] && return 0
  echo "upstream: fetching libbpf-dev (trixie) into $cache" >&2
  (private_apt_setup "$cache/apt-libbpf" trixie &&
   rm -rf "$cache/libbpf-pkg" && mkdir -p "$cache/libbpf-pkg" &&
   cd "$cache/libbpf-pkg" && apt-get "${PRIVATE_APT_OPTS[@]}" -qq download libbpf-dev/trixie) ||
    { echo "could not fetch libbpf-dev from the Debian mirror" >&2; return 1; }
  rm -rf "$cache/libbpf"
  dpkg -x "$cache"/libbpf-pkg/libbpf-dev_*.deb "$cache/libbpf" ||
    { echo "could not unpack libbpf-dev" >&2; return 1; }
  rm -rf "$cache/libbpf-pkg" "$cache/apt-libbpf"
}
