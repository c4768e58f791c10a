# private-apt.sh (sourced): Debian packages fetched through an apt state of
# our own, so the host's apt configuration is never touched (see
# ../shared/reference/linux-sched_ext-vm.md). Used by scripts/linux-vm.sh
# and scripts/upstream.sh.
#
#   private_apt_setup DIR SUITE...   a fresh state in DIR knowing only the
#                                    main component of each SUITE; runs
#                                    `apt-get update`; fills PRIVATE_APT_OPTS
#   apt-get "${PRIVATE_APT_OPTS[@]}" download PKG/SUITE ...
#
# The mirror is the host's (or UPS_APT_MIRROR, or deb.debian.org).
private_apt_setup() {
  local a=$1 suite mirror kr=/usr/share/keyrings/debian-archive-keyring.gpg
  shift
  mirror=${UPS_APT_MIRROR:-$(awk '/^URIs:/{print $2; exit} /^deb /{print $2; exit}' \
      /etc/apt/sources.list.d/debian.sources /etc/apt/sources.list 2>/dev/null || true)}
  mirror=${mirror:-http://deb.debian.org/debian}
  rm -rf "$a"
  mkdir -p "$a/lists/partial" "$a/cache/archives/partial" "$a/sources.list.d"
  : >"$a/sources.list"
  for suite in "$@"; do
    echo "deb [signed-by=$kr] $mirror $suite main" >>"$a/sources.list"
  done
  # _apt, apt's download user, cannot read the private directories.
  PRIVATE_APT_OPTS=(-o Dir::Etc::SourceList="$a/sources.list" -o Dir::Etc::SourceParts="$a/sources.list.d"
                    -o Dir::State::Lists="$a/lists" -o Dir::Cache="$a/cache"
                    -o Dir::State::status=/dev/null -o APT::Sandbox::User=root)
  apt-get "${PRIVATE_APT_OPTS[@]}" -qq update
}
