#!/usr/bin/env python3
"""results.py: turns the console log of scripts/linux-vm.sh's guest into JSON
lines, one object per loaded object, and optionally checks each outcome
against tests/linux_vm/expect.txt.

  results.py CONSOLE_LOG OUT.jsonl [--kernel KVER] [--expect expect.txt]

Outcome of an object, as Linux saw it:
  rejected  its loader could not register it (the verifier's log is in "log")
  ejected   it loaded, then the kernel disabled it for an error or a stall
  exited    it loaded and unregistered itself (scx_bpf_exit)
  runs      it loaded, ran the workload and stayed until user space removed it
Exit status 1 when the log is incomplete or an outcome differs from the
expectation.
"""
import argparse
import fnmatch
import json
import re
import sys

TAG = re.compile(r'(UPSVM-[A-Z-]+)(?: (.*))?$')
DISABLED = re.compile(r'sched_ext: BPF scheduler "([^"]*)" disabled \(([^)]*)\)')
STATE = re.compile(r'state=(\S+) ops=(\S+)')


def parse_state(text):
    m = STATE.search(text or '')
    return {'state': m.group(1), 'ops': m.group(2)} if m else None


def outcome(rec):
    if rec['register_rc'] != 0:
        return 'rejected'
    reason = rec.get('exit_reason') or ''
    if 'unregistered from user space' in reason:
        return 'runs'
    if 'unregistered from BPF' in reason:
        return 'exited'
    if reason:
        return 'ejected'
    return 'unknown'


def bss_scalars(text):
    """The integer globals of a `bpftool -j map dump` of a .bss map (arrays
    and structs left out: they are per-CPU bookkeeping, not counters)."""
    try:
        dump = json.loads(text)
        values = dump[0]['formatted']['value']['.bss']
    except (ValueError, LookupError, TypeError):
        return {}
    out = {}
    for var in values:
        out.update({k: v for k, v in var.items() if isinstance(v, int)})
    return out


def parse(lines):
    guest, records, rec, vrec, done = {}, [], None, None, False
    for raw in lines:
        line = raw.rstrip('\r\n')
        i = line.find('UPSVM-')
        if i < 0:
            continue
        m = TAG.match(line[i:])
        if not m:
            continue
        tag, rest = m.group(1), m.group(2) or ''
        if tag == 'UPSVM-GUEST':
            guest = dict(kv.split('=', 1) for kv in rest.split() if '=' in kv)
        elif tag == 'UPSVM-BEGIN':
            rec = {'object': rest, 'log': [], 'dmesg': [], 'workload': None}
        elif tag == 'UPSVM-VBEGIN':
            vrec = {'object': rest, 'kind': 'verify', 'log': []}
        elif tag == 'UPSVM-VLOG' and vrec is not None:
            vrec['log'].append(rest)
        elif tag == 'UPSVM-VRESULT' and vrec is not None:
            vrec['load_rc'] = int(rest.rsplit('=', 1)[1])
            vrec['outcome'] = 'accepted' if vrec['load_rc'] == 0 else 'rejected'
            vrec['log'] = vrec['log'][-80:]
            records.append(vrec)
            vrec = None
        elif rec is None:
            done = done or tag == 'UPSVM-DONE'
        elif tag == 'UPSVM-LOG':
            rec['log'].append(rest)
        elif tag == 'UPSVM-REGISTER':
            rec['register_rc'] = int(rest.split('=', 1)[1])
        elif tag == 'UPSVM-LOADED':
            rec['loaded'] = parse_state(rest)
        elif tag == 'UPSVM-WORKLOAD':
            try:
                rec['workload'] = json.loads(rest)
            except ValueError:
                rec['workload'] = {'error': 'unparsable: ' + rest[:200]}
        elif tag == 'UPSVM-BSS':
            rec['bss'] = bss_scalars(rest)
        elif tag == 'UPSVM-WORKLOAD-RC':
            rec['workload_rc'] = int(rest)
        elif tag == 'UPSVM-AFTER-RUN':
            rec['after_run'] = parse_state(rest)
        elif tag == 'UPSVM-UNLOADED':
            rec['unloaded'] = parse_state(rest)
        elif tag == 'UPSVM-DMESG':
            rec['dmesg'].append(rest)
            d = DISABLED.search(rest)
            if d:
                rec['exit_reason'] = d.group(2)
            elif 'exit_reason' in rec and 'exit_msg' not in rec:
                # The line after "disabled (...)": the scheduler's message.
                msg = re.search(r'sched_ext: [^:]+: (.*)', rest)
                if msg:
                    rec['exit_msg'] = msg.group(1)
        elif tag == 'UPSVM-END':
            rec['outcome'] = outcome(rec)
            # The verifier's log can run to thousands of lines: its tail
            # names the instruction and the reason.
            rec['log'] = rec['log'][-80:]
            records.append(rec)
            rec = None
    return guest, records, done


def read_expectations(path):
    expect = {}
    with open(path) as f:
        for n, line in enumerate(f, 1):
            line = line.split('#', 1)[0].strip()
            if not line:
                continue
            parts = line.split()
            kinds = set(parts[1].split('|')) if len(parts) == 2 else set()
            if not kinds or not kinds <= {'runs', 'rejected', 'ejected', 'exited'}:
                sys.exit(f'{path}:{n}: want "NAME OUTCOME[|OUTCOME]", each one of '
                         'runs, rejected, ejected, exited')
            expect[parts[0]] = kinds
    return expect


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('console')
    ap.add_argument('out')
    ap.add_argument('--kernel', default='')
    ap.add_argument('--expect')
    ap.add_argument('--only', default='*', help='check only the expectations of names matching this glob')
    ap.add_argument('--not-loaded', action='append', default=[], metavar='GLOB: REASON',
                    help='objects the host could not build: expected ones matching GLOB '
                         'are reported as skipped with REASON instead of failing')
    a = ap.parse_args()
    with open(a.console, errors='replace') as f:
        guest, records, done = parse(f)
    with open(a.out, 'w') as f:
        for r in records:
            r['kernel'] = a.kernel or guest.get('kernel', '')
            f.write(json.dumps(r, sort_keys=True) + '\n')
    bad = 0 if done else 1
    if not done:
        print('linux-vm: the guest log has no UPSVM-DONE: the run is incomplete')
    expect = read_expectations(a.expect) if a.expect else {}
    expect = {n: k for n, k in expect.items() if fnmatch.fnmatch(n, a.only)}
    verdicts = [r for r in records if r.get('kind') == 'verify']
    if verdicts:
        n_acc = sum(r['outcome'] == 'accepted' for r in verdicts)
        print(f'linux-vm: verifier suite: Linux accepts {n_acc} of {len(verdicts)} programs')
    for r in records:
        if r.get('kind') == 'verify':
            continue
        w = r.get('workload') or {}
        shares = ' '.join(f"{t['name']}={t['share']:.2f}" for t in w.get('tasks', [])
                          if t['kind'] == 'busy')
        lat = ' '.join(f"{t['name']}:p50={t['lat_p50_us']:.0f}us"
                       for t in w.get('tasks', []) if t['kind'] == 'sleep')
        want = expect.get(r['object'])
        mark = ''
        if want and r['outcome'] not in want:
            mark, bad = f"  <-- expected {'|'.join(sorted(want))}", 1
        why = r.get('exit_reason', '') + (': ' + r['exit_msg'] if 'exit_msg' in r else '')
        print(f"{r['object']:24} {r['outcome']:9} {why}{mark}")
        if shares:
            print(f"{'':24} share {shares}; {lat}")
        if r['outcome'] == 'rejected':
            for line in r['log'][-6:]:
                print(f"{'':24} | {line}")
    skipped = [x.split(':', 1) for x in a.not_loaded]
    for name in expect:
        if not any(r['object'] == name for r in records):
            why = next((r.strip() for g, r in skipped if fnmatch.fnmatch(name, g.strip())), None)
            if why:
                print(f'linux-vm: {name} SKIPPED: {why}')
            else:
                print(f'linux-vm: {name} is expected but was not loaded')
                bad = 1
    print(f'linux-vm: {len(records)} objects, results in {a.out}')
    return bad


if __name__ == '__main__':
    sys.exit(main())
