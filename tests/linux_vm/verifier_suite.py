#!/usr/bin/env python3
"""verifier_suite.py: turns the verifier's test programs (tests/data/verifier/
*.data) into sched_ext objects that Linux can load, so scripts/linux-vm.sh
can set Linux's verdict beside ours (docs/linux-compare.md).

  verifier_suite.py DATA_DIR OUT_DIR VMLINUX_H

Each program becomes OUT_DIR/v_<name>.bpf.c: its asm, nearly unchanged, in
a naked struct_ops callback (the file's `-- callback`; "prog", the default,
becomes enqueue), its maps as BTF-defined maps or global data, and a
`.struct_ops.link` table naming the callback. scripts/linux-vm.sh compiles
them against the guest's vmlinux.h, and the guest's loader verifies them
without attaching. A program that cannot be expressed this way (raw
encodings, relative jumps, direct value access into a map that is not
global data, maps of maps) is listed in OUT_DIR/untranslated.txt with the
reason, never silently dropped.
"""
import os
import re
import sys

DEFAULT_CALLBACK = 'enqueue'
MAP_TYPES = {'hash': 'BPF_MAP_TYPE_HASH', 'array': 'BPF_MAP_TYPE_ARRAY',
             'queue': 'BPF_MAP_TYPE_QUEUE', 'percpu_array': 'BPF_MAP_TYPE_PERCPU_ARRAY'}


def sections(text):
    out, cur = {}, None
    for line in text.splitlines():
        m = re.match(r'^-- (\w+)\s*$', line)
        if m:
            cur = m.group(1)
            out[cur] = []
        elif cur:
            out[cur].append(line)
    return out


class Untranslatable(Exception):
    pass


def parse_maps(lines):
    maps = []
    for line in lines:
        if not line.strip():
            continue
        parts = line.split()
        m = {'name': parts[0], 'kind': parts[1], 'flags': set()}
        for p in parts[2:]:
            if '=' in p:
                k, v = p.split('=', 1)
                m[k] = v
            else:
                m['flags'].add(p)
        maps.append(m)
    return maps


def c_bytes(m):
    """Initial bytes of a global-data map value, as a C initializer."""
    size = int(m['value'])
    data = bytearray(size)
    if 'str' in m:
        s = m['str'].encode()
        data[:len(s)] = s
    elif 'init' in m:
        vals = [int(v, 16) for v in m['init'].split(',')]  # hex bytes
        data[:len(vals)] = bytes(v & 0xff for v in vals)
    return '{' + ','.join(str(b) for b in data) + '}'


def map_decl(m):
    if 'rodata' in m['flags'] or 'data' in m['flags']:
        if int(m.get('entries', 1)) != 1:
            raise Untranslatable('global data with more than one entry')
        q = 'const volatile ' if 'rodata' in m['flags'] else ''
        sec = '.rodata' if 'rodata' in m['flags'] else '.data'
        return (f'{q}unsigned char {m["name"]}[{m["value"]}] SEC("{sec}") '
                f'__attribute__((aligned(8))) = {c_bytes(m)};')
    if m['kind'] not in MAP_TYPES:
        raise Untranslatable(f'map kind {m["kind"]}')
    special = [k for k in ('lock', 'timer') if k in m]
    value = int(m['value'])
    if special:
        # A value type with the special field at its offset, so the BTF
        # tells Linux where the lock or timer is.
        k = special[0]
        off = int(m[k])
        ftype, fsize = ('struct bpf_spin_lock', 4) if k == 'lock' else ('struct bpf_timer', 16)
        fields = []
        if off:
            fields.append(f'unsigned char pad0[{off}];')
        fields.append(f'{ftype} f;')
        rest = value - off - fsize
        if rest > 0:
            fields.append(f'unsigned char pad1[{rest}];')
        vtype = f'struct {m["name"]}_value {{ {" ".join(fields)} }}'
        value_line = f'__type(value, {vtype});'
    else:
        value_line = f'__uint(value_size, {value});'
    key = '' if m['kind'] == 'queue' else f'__uint(key_size, {m["key"]});'
    return (f'struct {{ __uint(type, {MAP_TYPES[m["kind"]]}); {key} {value_line} '
            f'__uint(max_entries, {m["entries"]}); }} {m["name"]} SEC(".maps");')


KFUNC_NARGS = {}  # kfunc -> number of parameters, from the guest's vmlinux.h
KERNEL_DECLS = set()  # names declared by the guest's vmlinux.h: the kfuncs Linux has


def translate(name, text):
    s = sections(text)
    for sec in ('raw', 'poisoned', 'budget'):
        if sec in s:
            raise Untranslatable(f'-- {sec} section')
    callback = (s.get('callback') or [DEFAULT_CALLBACK])[0].strip() or DEFAULT_CALLBACK
    if callback == 'prog':
        callback = DEFAULT_CALLBACK
    maps = parse_maps(s.get('maps', []))
    by_name = {m['name']: m for m in maps}
    lines = [l.split('#', 1)[0].rstrip() for l in s['asm']]
    lines = [l.strip() for l in lines if l.strip()]
    # Labels that are called or passed as callbacks start a function.
    funcs = set()
    for l in lines:
        m = re.match(r'call local (\w+)$', l) or re.search(r'func\[(\w+)\]', l)
        if m:
            funcs.add(m.group(1))
    imms, kfuncs, helpers = {}, set(), set()
    bodies, cur = [('prog_main', [])], None
    for l in lines:
        if re.match(r'^raw ', l):
            raise Untranslatable('raw instruction encoding')
        if re.search(r'goto [+-]\d', l):
            raise Untranslatable('relative jump offset')
        l = l.replace('%', '%%')  # an operand escape in inline asm
        m = re.match(r'^(\w+):$', l)
        if m and m.group(1) in funcs:
            bodies.append((m.group(1), []))
            continue
        if re.match(r'^call kfunc \d+$', l):
            raise Untranslatable('kfunc called by number')
        m = re.match(r'^call kfunc (\w+)$', l)
        if m:
            kfuncs.add(m.group(1))
            imms[m.group(1)] = f'[{m.group(1)}]"i"({m.group(1)})'
            l = f'call %[{m.group(1)}]'
        m = re.match(r'^call local (\w+)$', l)
        if m:
            l = f'call {m.group(1)}'
        m = re.match(r'^call (bpf_\w+)$', l)
        if m and not l.startswith('call %'):
            helpers.add(m.group(1))
            imms[m.group(1)] = f'[{m.group(1)}]"i"({m.group(1)})'
            l = f'call %[{m.group(1)}]'

        def map_ref(mm):
            mp = by_name.get(mm.group(1))
            if not mp:
                raise Untranslatable(f'unknown map {mm.group(1)}')
            if 'rodata' in mp['flags'] or 'data' in mp['flags']:
                raise Untranslatable('map[] of global data')
            imms[mp['name']] = f'[{mp["name"]}]"i"(&{mp["name"]})'
            return f'%[{mp["name"]}]'

        def value_ref(mm):
            mp = by_name.get(mm.group(1))
            if not mp:
                raise Untranslatable(f'unknown map {mm.group(1)}')
            if not ('rodata' in mp['flags'] or 'data' in mp['flags']):
                raise Untranslatable('direct value access into a map that is not global data')
            key = f'{mp["name"]}_{mm.group(2)}'
            imms[key] = f'[{key}]"i"((char *){mp["name"]} + {mm.group(2)})'
            return f'%[{key}]'

        def func_ref(mm):
            imms['f_' + mm.group(1)] = f'[f_{mm.group(1)}]"i"({mm.group(1)})'
            return f'%[f_{mm.group(1)}]'

        # clang's spelling of the atomics.
        l = re.sub(r'atomic_fetch_xchg\(\*\(u64 \*\)\((r\d+ [-+] \d+)\)', r'xchg_64(\1', l)
        l = re.sub(r'atomic_fetch_(\w+)\(\*\((u\d+) \*\)', r'atomic_fetch_\1((\2 *)', l)
        l = re.sub(r'cmpxchg\(\*\(u64 \*\)\((r\d+ [-+] \d+)\)', r'cmpxchg_64(\1', l)
        l = re.sub(r'cmpxchg\(\*\(u32 \*\)\((r\d+ [-+] \d+)\)', r'cmpxchg32_32(\1', l)
        if re.search(r'map\[\d+\]', l):
            raise Untranslatable('map referenced by number')
        l = re.sub(r'map_value\[(\w+)\] \+ (\d+)', value_ref, l)
        l = re.sub(r'\bmap\[(\w+)\]', map_ref, l)
        l = re.sub(r'func\[(\w+)\]', func_ref, l)
        bodies[-1][1].append(l)
    out = ['/* Generated by tests/linux_vm/verifier_suite.py from',
           f' * tests/data/verifier/{name}.data: do not edit. */',
           '#include "vmlinux.h"', '#include <bpf/bpf_helpers.h>', '',
           'char _license[] SEC("license") = "GPL";', '']
    out += [map_decl(m) for m in maps]
    # A kfunc Linux does not have (an upsched extension, a made-up name):
    # declared here, so that libbpf refuses the object for it.
    out += [f'extern void {k}(void) __ksym;' for k in sorted(kfuncs)
            if k not in KERNEL_DECLS]
    # Subprograms first, declared for the calls of the main program.
    for fname, _ in bodies[1:]:
        out.append(f'static __attribute__((naked, noinline, used)) void {fname}(void);')
    for fname, body in bodies:
        ops = ', '.join(v for k, v in imms.items())
        asm = '\n'.join(f'\t"{l}\\n"' for l in body)
        static = '' if fname == 'prog_main' else 'static __attribute__((noinline, used)) '
        sec = f'SEC("struct_ops/{callback}") ' if fname == 'prog_main' else ''
        out.append(f'{sec}{static}__attribute__((naked)) void {fname}(void)\n{{\n'
                   f'\tasm volatile(\n{asm}\n\t\t: : {ops} : "memory");\n}}')
    if kfuncs:
        # clang writes a kfunc's BTF (which libbpf needs to resolve it) only
        # when C code calls it, not for a call in inline asm. libbpf
        # loads no .text function that no program calls.
        def call(k):
            n = KFUNC_NARGS.get(k, 0)
            return f'{k}({", ".join(["0"] * n)});'
        refs = ' '.join(call(k) for k in sorted(kfuncs))
        out.append(f'__attribute__((used, noinline)) void kfunc_btf_refs(void) {{ {refs} }}')
    ops_name = re.sub(r'[^A-Za-z0-9_]', '_', 'v_' + name)[:120]
    out.append(f'SEC(".struct_ops.link") struct sched_ext_ops ops = {{\n'
               f'\t.{callback} = (void *)prog_main,\n\t.name = "{ops_name}",\n}};')
    expect = ' '.join(s.get('expect', ['?'])).strip()
    return '\n'.join(out) + '\n', expect


def main():
    global KERNEL_DECLS, KFUNC_NARGS
    data_dir, out_dir, vmlinux_h = sys.argv[1], sys.argv[2], sys.argv[3]
    # Every name followed by '(' in it: a superset of the kfunc prototypes.
    text = open(vmlinux_h).read()
    KERNEL_DECLS = set(re.findall(r'\b(\w+)\(', text))
    for name, params in re.findall(r'^extern [^;(]*?\b(\w+)\(([^)]*)\) __weak __ksym;', text, re.M):
        KFUNC_NARGS[name] = 0 if params.strip() in ('', 'void') else params.count(',') + 1
    os.makedirs(out_dir, exist_ok=True)
    untranslated, expects = [], []
    for f in sorted(os.listdir(data_dir)):
        if not f.endswith('.data'):
            continue
        name = f[:-5]
        try:
            src, expect = translate(name, open(os.path.join(data_dir, f)).read())
        except Untranslatable as e:
            untranslated.append(f'{name}\t{e}')
            continue
        open(os.path.join(out_dir, f'v_{name}.bpf.c'), 'w').write(src)
        expects.append(f'v_{name}\t{expect}')
    open(os.path.join(out_dir, 'untranslated.txt'), 'w').write('\n'.join(untranslated) + '\n')
    open(os.path.join(out_dir, 'ours.txt'), 'w').write('\n'.join(expects) + '\n')
    print(f'verifier_suite: {len(expects)} programs translated, {len(untranslated)} not')


if __name__ == '__main__':
    main()
