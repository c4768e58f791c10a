#!/usr/bin/env bash
# demo.sh [args]: install what is missing, build only what the demo needs
# (upsched and the SDK's policies; tests and benchmarks build in
# scripts/test.sh), run `upsched demo`, and point at the next step.
set -euo pipefail
cd "$(dirname "$0")/.."
start=$SECONDS
bash scripts/install-deps.sh
bash scripts/build.sh demo
built=$SECONDS
./build/upsched demo "$@"
cat <<NEXT

demo.sh: set-up and build $((built - start)) s (the first point's figures came right after), the demo $((SECONDS - built)) s.
Next: write your own policy. docs/writing-a-policy.md walks through one; then
compare it with fair on latency tasks among CPU hogs, with a report:

  ./build/upsched compare --workload workloads/latency-and-hogs.toml --cpus 2 --duration 2s \\
      --policy fair --policy build/policies/prio.bpf.o --policy 'build/policies/prio.bpf.o?kick=1' \\
      --report prio-report

and open prio-report/index.html. docs/README.md lists every guide.
NEXT
