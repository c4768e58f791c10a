#!/usr/bin/env bash
# Installs the Debian 12 packages upsched needs to build, test and run its
# demo. Idempotent: only packages that are missing are installed.
set -euo pipefail

PACKAGES=(
  build-essential cmake ninja-build pkg-config git ccache
  libgtest-dev libgmock-dev libbenchmark-dev
  libexpected-dev libcli11-dev nlohmann-json3-dev libtomlplusplus-dev libfmt-dev
  clang-14 clang-19 llvm-19 lld-14 libclang-rt-14-dev
  dpdk-dev
  libboost-context-dev libboost-fiber-dev
  libxbyak-dev
  chromium
  qemu-system-x86 busybox-static zstd
  valgrind
)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if ((${#missing[@]})); then
  echo "install-deps: installing ${missing[*]}"
  SUDO=""
  if [[ $(id -u) -ne 0 ]]; then SUDO="sudo"; fi
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
  echo "install-deps: all packages present"
fi
