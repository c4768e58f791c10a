#!/bin/sh
# Longer runs of the verifier's differential soundness test: random and
# mutated programs (tests/unit/verifier/program_gen.h), each accepted one
# executed in the interpreter's CHECKED mode under the soundness oracle,
# which checks every instruction against what the verifier claimed there.
# The first disagreement fails the run with the program printed.
# Usage: scripts/verifier_soundness.sh [PROGRAMS] [SEED] [BUILD_DIR]
set -eu
n=${1:-1000000}
seed=${2:-$(date +%s)}
build=${3:-build}
echo "verifier soundness: $n programs, seed $seed (reproduce: $0 $n $seed $build)"
UPS_SOUNDNESS_PROGRAMS=$n UPS_SOUNDNESS_SEED=$seed \
  "$build/tests/test_verifier" --gtest_filter='Soundness.*'
