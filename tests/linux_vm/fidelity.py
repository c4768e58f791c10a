#!/usr/bin/env python3
"""fidelity.py: the same policy and workload in `upsched sim` and in the
Linux guest, side by side (docs/fidelity.md).

  fidelity.py RESULTS.jsonl UPSCHED POLICY_DIR POLICY...

RESULTS.jsonl comes from scripts/linux-vm.sh; POLICY_DIR holds the
policies built for upsched (<name>.bpf.o). The workload is
tests/linux_vm/fidelity.toml, the simulator's twin of
tests/linux_vm/workload.c, on 2 CPUs for 3 s. Compared: each spinner's
share of the CPU time the spinners got (the sleepers' CPU use is not
comparable: TCG makes each wakeup cost far more), and the sleepers' wakeup
latency as an order across policies, not as times.
"""
import json
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))


def busy_shares(pairs):
    total = sum(cpu for _, cpu in pairs) or 1.0
    return {name: cpu / total for name, cpu in pairs}


def sim(upsched, obj):
    """The simulator's shares, mean sleeper latency and .bss counters, or
    the simulator's refusal (its last line of stderr) as a string."""
    with tempfile.NamedTemporaryFile(suffix='.json') as out:
        run = subprocess.run([upsched, 'sim', '--workload', os.path.join(HERE, 'fidelity.toml'),
                              '--policy', obj, '--cpus', '2', '--duration', '3s', '--per-task',
                              '--dump-maps', '--json', out.name, '--quiet'],
                             check=False, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                             text=True)
        if run.returncode != 0:
            lines = run.stderr.strip().splitlines()
            return lines[-1] if lines else f'exit {run.returncode}'
        d = json.load(open(out.name))
    tasks = d['tasks']
    busy = [(f"{t['group']}{t['pid']}", t['run_s']) for t in tasks if t['group'].startswith('busy')]
    sleepers = [t['wakeup_mean_us'] for t in tasks if t['group'] == 'sleep']
    counters = {}
    for cls in d.get('maps', []):
        for m in cls['maps']:
            if m['name'] == '.bss':
                counters.update({k: v for k, v in m.get('globals', {}).items() if isinstance(v, int)})
    return busy_shares(busy), sum(sleepers) / max(len(sleepers), 1), counters


def guest(rec):
    tasks = rec['workload']['tasks']
    busy = [(t['name'], t['cpu_ms']) for t in tasks if t['kind'] == 'busy']
    sleepers = [t['lat_p50_us'] for t in tasks if t['kind'] == 'sleep' and t['wakeups']]
    return busy_shares(busy), (sum(sleepers) / len(sleepers) if sleepers else float('inf'))


def main():
    results, upsched, pdir, policies = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
    linux = {json.loads(l)['object']: json.loads(l) for l in open(results)}
    rows, counters = [], []
    print('| policy | nice-0 spinners, sim | nice-0 spinners, Linux | nice-5 spinner, sim | '
          'nice-5 spinner, Linux | largest difference | sleeper wakeup, sim (mean) | '
          'sleeper wakeup, Linux (p50) |')
    print('|---|---|---|---|---|---|---|---|')
    for p in policies:
        rec = linux.get(p)
        if not rec or not rec.get('workload'):
            print(f'| {p} | | | | | not run in Linux ({rec and rec["outcome"]}) | | |')
            continue
        simulated = sim(upsched, os.path.join(pdir, p + '.bpf.o'))
        if isinstance(simulated, str):
            print(f'| {p} | | | | | not run in the simulator: {simulated} | | |')
            continue
        s_sh, s_lat, s_cnt = simulated
        counters.append((p, s_cnt, rec.get('bss') or {}))
        l_sh, l_lat = guest(rec)
        s0 = sorted(v for k, v in s_sh.items() if 'nice5' not in k)
        l0 = sorted(v for k, v in l_sh.items() if 'nice5' not in k)
        s5 = [v for k, v in s_sh.items() if 'nice5' in k][0]
        l5 = [v for k, v in l_sh.items() if 'nice5' in k][0]
        diff = max([abs(a - b) for a, b in zip(s0, l0)] + [abs(s5 - l5)])
        fmt = lambda xs: ' '.join(f'{x:.2f}' for x in xs)
        rows.append((p, s_lat, l_lat))
        print(f'| {p} | {fmt(s0)} | {fmt(l0)} | {s5:.2f} | {l5:.2f} | {diff:.2f} | '
              f'{s_lat / 1000:.1f} ms | {l_lat / 1000:.1f} ms |')
    order = lambda i: ' < '.join(r[0] for r in sorted(rows, key=lambda r: r[i]))
    print(f'\nSleeper wakeup latency, lowest first: sim {order(1)}; Linux {order(2)}.')
    # The policies' own counters (their .bss integers): how many decisions
    # each substrate asked of the policy in the same 3 s.
    print('\n| policy | counter | sim | Linux | Linux / sim |')
    print('|---|---|---|---|---|')
    for p, s_cnt, l_cnt in counters:
        for k in sorted(set(s_cnt) & set(l_cnt)):
            if s_cnt[k] or l_cnt[k]:
                ratio = f'{l_cnt[k] / s_cnt[k]:.2f}' if s_cnt[k] else ''
                print(f'| {p} | {k} | {s_cnt[k]} | {l_cnt[k]} | {ratio} |')


if __name__ == '__main__':
    main()
