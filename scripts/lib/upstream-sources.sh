# shellcheck shell=bash
# upstream-sources.sh (sourced): the upstream files upsched is measured
# against, fetched once through a private apt state (private-apt.sh) into a
# cache, never copied into the repository. Used by scripts/upstream.sh,
# scripts/sdk-parity.sh and scripts/linux-vm.sh.
#
#   upstream_sched_ext CACHE   CACHE/linux-source-7.3/tools/sched_ext from
#                              Debian's linux-source-7.3 (trixie-backports)
#   linux_source_extract CACHE PART...
#                              each PART (a directory of the tree, e.g.
#                              tools/lib/bpf) under CACHE/linux-source-7.3;
#                              the 160 MB tarball is fetched once and kept
#                              as CACHE/linux-source-7.3.tar.xz, so a later
#                              part unpacks without fetching
#   upstream_libbpf CACHE      CACHE/libbpf/usr/include/bpf from trixie's
#                              libbpf-dev
# Each returns 1 with the reason on stderr when it cannot be had. Callers
# hold a lock on CACHE (two worktrees may fetch at once).

upstream_sched_ext() {
  linux_source_extract "$1" tools/sched_ext
}

linux_source_extract() {
  local cache=$1 part
  shift
  local missing=()
  for part in "$@"; do
    [[ -d $cache/linux-source-7.3/$part ]] || missing+=("linux-source-7.3/$part/*")
  done
  ((${#missing[@]})) || return 0
  local tarball=$cache/linux-source-7.3.tar.xz
  if [[ ! -s $tarball ]]; then
    echo "linux-source: fetching linux-source-7.3 (trixie-backports) into $cache" >&2
    (private_apt_setup "$cache/apt" trixie-backports &&
     rm -rf "$cache/pkg" && mkdir -p "$cache/pkg" &&
     cd "$cache/pkg" && apt-get "${PRIVATE_APT_OPTS[@]}" -qq download linux-source-7.3/trixie-backports) || {
      echo "linux-source: could not fetch linux-source-7.3 from the Debian mirror" >&2
      return 1
    }
    dpkg-deb --fsys-tarfile "$cache"/pkg/linux-source-7.3_*.deb |
      tar -xO ./usr/src/linux-source-7.3.tar.xz >"$tarball.tmp" &&
      mv "$tarball.tmp" "$tarball" || {
      echo "linux-source: the linux-source-7.3 package holds no source tarball" >&2
      return 1
    }
    rm -rf "$cache/pkg" "$cache/apt"
  fi
  tar -xJf "$tarball" -C "$cache" --wildcards "${missing[@]}" || {
    echo "linux-source: could not unpack ${missing[*]} from $tarball" >&2
    return 1
  }
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
