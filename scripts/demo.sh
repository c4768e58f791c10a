#!/usr/bin/env bash
# demo.sh [args]: install what is missing, build, and run `upsched demo`.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
bash scripts/build.sh release
exec ./build/upsched demo "$@"
