#!/usr/bin/env python3
"""compare.py: our verifier's verdict beside Linux's for the verifier suite,
as the markdown table of docs/linux-compare.md.

  compare.py RESULTS.jsonl   (scripts/linux-vm.sh --verifier-suite --out RESULTS.jsonl)

Reads RESULTS.jsonl, RESULTS.ours.txt (our verdicts: each data file's
`-- expect`, which tests/unit/verifier/data_files_test.cpp holds our
verifier to) and RESULTS.untranslated.txt. Prints the counts, then one row
per disagreement with Linux's last verifier message.
"""
import json
import re
import sys


def linux_reason(log):
    """The line of Linux's log that says why, without libbpf's frame."""
    skip = re.compile(r'^(libbpf:|processed \d+ insns|-- END|\s*$|Verification failed|Reason:|At:)')
    lines = [l for l in log if not skip.match(l)]
    for l in log:
        if 'Verification failed' in l or "wasn't resolved" in l or 'not found in kernel' in l:
            pass
    for l in reversed(log):
        if re.match(r'^(R\d|invalid|unbounded|the |back-edge|Unreleased|unreleased|math|misaligned|'
                    r'jump|infinite|combined|cannot|calling|kernel function|arg#|func |Possibly|BPF_|'
                    r'At program exit|program must|kfunc|variable|Global|expected|Invalid|unknown|'
                    r'same insn|ptr|dereference|value|function|callbacks|loop|At callback|'
                    r'[a-z_]+ (is|has|not))', l.strip()):
            return l.strip()
    for l in log:
        if 'libbpf:' in l and ('failed to' in l or 'not found' in l or 'unresolved' in l):
            return l.strip()
    return lines[-1].strip() if lines else ''


def main():
    res = sys.argv[1]
    base = res[:-len('.jsonl')] if res.endswith('.jsonl') else res
    linux = {}
    for line in open(res):
        r = json.loads(line)
        if r.get('kind') == 'verify':
            linux[r['object']] = r
    ours = {}
    for line in open(base + '.ours.txt'):
        if '\t' in line:
            name, verdict = line.rstrip('\n').split('\t', 1)
            ours[name] = verdict
    untranslated = [l.rstrip('\n').split('\t', 1) for l in open(base + '.untranslated.txt') if '\t' in l]
    agree, rows = 0, []
    for name in sorted(ours):
        if name not in linux:
            continue
        our_ok = ours[name] == 'accept'
        lx_ok = linux[name]['outcome'] == 'accepted'
        if our_ok == lx_ok:
            agree += 1
        else:
            why = '' if lx_ok else linux_reason(linux[name]['log'])
            rows.append((name[2:], ours[name], 'accept' if lx_ok else 'reject', why))
    n = sum(1 for k in ours if k in linux)
    print(f'Compared: {n} programs; agree: {agree}; disagree: {len(rows)}; '
          f'not translated: {len(untranslated)}.\n')
    print('| program | ours | Linux | Linux says |')
    print('|---|---|---|---|')
    for name, o, l, why in rows:
        o = o.replace('|', '\\|')
        why = why.replace('|', '\\|')
        print(f'| `{name}` | {o} | {l} | {why} |')
    print('\nNot translated (the asm cannot be expressed for clang and libbpf):\n')
    for name, why in untranslated:
        print(f'- `{name}`: {why}')


if __name__ == '__main__':
    main()
