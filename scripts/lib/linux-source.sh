# linux-source.sh (sourced): parts of Linux 7.3's source tree, taken from
# Debian's linux-source-7.3 package (trixie-backports) through a private apt
# state (private-apt.sh) and cached; never copied into the repository. Used
# by scripts/upstream.sh (tools/sched_ext) and scripts/linux-vm.sh (also
# tools/lib/bpf, to build the upstream schedulers' own loaders).
#
#   linux_source_extract CACHE PART...
#       each PART (a directory under the tree, e.g. tools/sched_ext) present
#       under CACHE/linux-source-7.3 afterwards; the 160 MB tarball is
#       fetched once and kept as CACHE/linux-source-7.3.tar.xz, so a later
#       call for another part unpacks without fetching. Returns 1 (with the
#       reason on stderr) when the package cannot be had. The caller holds
#       CACHE's lock.
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
