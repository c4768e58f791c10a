#!/usr/bin/env python3
"""sdk_parity.py: compares the names sdk/include declares with the headers
it mirrors: Linux's tools/sched_ext/include/scx (the BPF side: what
scx/common.bpf.h includes) and libbpf's bpf/*.h. A scheduler written for
Linux's headers builds here unchanged only if every name it uses means the
same thing; a name only we define would build here and fail there.

  sdk_parity.py --ours sdk/include --scx DIR --libbpf DIR --allow FILE

Names: macros (with their arity), functions and kfuncs (return and
parameter types), struct/union/enum/typedef names (struct members' types),
enumerators and global variables. Reports, for sdk/include/scx and
sdk/include/bpf (upsched's own headers live in sdk/include/upsched and are
not compared):
  extra    a name we define that neither upstream header does (never allowed)
  differs  the same name with another kind or signature
  missing  a name upstream defines that neither our headers nor our
           vmlinux.h do
Each difference must match a line of the allow-list (`missing PATTERN` or
`differs PATTERN`, PATTERN a glob on NAME or FILE:NAME, a comment saying
why); an allow-list line matching nothing is an error too, so the list only
shrinks. Exit 0 when all is accounted for, 1 otherwise.
"""
import argparse
import fnmatch
import os
import re
import sys

TOKEN = re.compile(r'"(?:\\.|[^"\\])*"|\'(?:\\.|[^\'\\])*\'|/\*.*?\*/|//[^\n]*', re.S)
ATTRS = re.compile(r'\b__attribute__\s*\(\((?:[^()]|\((?:[^()]|\([^()]*\))*\))*\)\)|\b__attribute\s*\((?:[^()]|\([^()]*\))*\)')
DROP_WORDS = {'extern', 'static', 'inline', '__inline', '__always_inline', '__ksym', '__weak',
              '__hidden', '__kconfig', '__noinline', '__bpf_fastcall', 'SEC'}
TYPE_ALIASES = [(r'\bunsigned long long\b', 'u64'), (r'\blong long\b', 's64'),
                (r'\b__u(8|16|32|64)\b', r'u\1'), (r'\b__s(8|16|32|64)\b', r's\1')]
QUALIFIERS = {'const', 'volatile', 'struct', 'union', 'enum', 'unsigned', 'signed', 'restrict',
              '__arena'}


def strip_comments(text):
    return TOKEN.sub(lambda m: m.group(0) if m.group(0)[0] in '"\'' else ' ', text)


def norm_type(t):
    t = ATTRS.sub(' ', t)
    t = re.sub(r'\bSEC\s*\([^)]*\)', ' ', t)
    words = [w for w in re.split(r'\s+', t) if w and w not in DROP_WORDS]
    t = ' '.join(words)
    for a, b in TYPE_ALIASES:
        t = re.sub(a, b, t)
    t = re.sub(r'\s*\*\s*', ' *', t)
    return t.replace('* ', '*').strip()


def norm_param(p):
    p = norm_type(p)
    if p in ('', 'void', '...'):
        return p
    m = re.match(r'^(.*?[\s*])([A-Za-z_]\w*)(\s*\[[^\]]*\])?$', p)
    if m and any(w not in QUALIFIERS for w in re.findall(r'[A-Za-z_]\w*', m.group(1))):
        return (m.group(1) + (m.group(3) and '[]' or '')).strip()
    return p


def split_params(s):
    out, depth, cur = [], 0, ''
    for c in s:
        if c == ',' and depth == 0:
            out.append(cur)
            cur = ''
            continue
        depth += c in '(['
        depth -= c in ')]'
        cur += c
    if cur.strip():
        out.append(cur)
    return out


def func_sig(ret, params):
    ps = [norm_param(p) for p in split_params(params)]
    return '%s(%s)' % (norm_type(ret), ', '.join(ps or ['void']))


class Decls:
    """name -> {(kind, signature): file}"""

    def __init__(self):
        self.names = {}

    def add(self, name, kind, sig, where):
        self.names.setdefault(name, {}).setdefault((kind, sig), where)


def parse_statement(st, where, out):
    st = ' '.join(st.split())
    if not st:
        return
    m = re.match(r'^(typedef\s+)?(struct|union|enum)\s*(\w*)\s*(\{.*\})\s*(.*)$', st)
    if m:
        kind, tag, body, rest = m.group(2), m.group(3), m.group(4), m.group(5)
        if kind == 'enum':
            for e in split_params(body[1:-1]):
                n = e.split('=')[0].strip()
                if n:
                    out.add(n, 'enumerator', '', where)
            sig = ''
        else:
            sig = '{%s}' % '; '.join(norm_param(f) for f in body[1:-1].split(';') if f.strip())
        if tag:
            out.add(tag, kind, sig, where)
        if m.group(1) and rest:
            out.add(re.findall(r'\w+', rest)[-1], 'typedef', '%s %s' % (kind, tag), where)
        return
    if st.startswith('typedef '):
        fm = re.search(r'\(\s*\*\s*(\w+)\s*\)\s*\((.*)\)\s*$', st)
        if fm:
            out.add(fm.group(1), 'typedef', func_sig(st[8:fm.start()], fm.group(2)), where)
        else:
            words = re.findall(r'\w+', st)
            out.add(words[-1], 'typedef', norm_type(st[8:st.rfind(words[-1])]), where)
        return
    if re.match(r'^(struct|union|enum)\s+\w+$', st):  # a forward declaration
        return
    # A helper called by id: static RET (* const NAME)(PARAMS) = (void *) ID
    m = re.match(r'^(.*?)\(\s*\*\s*const\s+(\w+)\s*\)\s*\((.*)\)\s*=', st)
    if m:
        out.add(m.group(2), 'function', func_sig(m.group(1), m.group(3)), where)
        return
    clean = ATTRS.sub(' ', st)
    m = re.match(r'^(.*?)\b(\w+)\s*\((.*)\)[\w\s]*$', clean, re.S)
    if m and '=' not in m.group(1) and norm_type(m.group(1)):
        out.add(m.group(2), 'function', func_sig(m.group(1), m.group(3)), where)
        return
    if '(' in clean.split('=')[0]:
        return  # a macro invocation (def_iter_struct(x), _Static_assert(...))
    decl = norm_type(clean.split('=')[0])
    m = re.match(r'^(.*?)(\w+)\s*(\[[^\]]*\])?$', decl)
    if m and m.group(1).strip():
        out.add(m.group(2), 'variable', norm_param(decl), where)


def parse_file(path, out, label):
    text = strip_comments(open(path, errors='replace').read())
    text = re.sub(r'\\\n', ' ', text)
    guard = re.search(r'^\s*#\s*ifndef\s+(\w+)\s*\n\s*#\s*define\s+\1\s*$', text, re.M)
    code = []
    for line in text.split('\n'):
        m = re.match(r'^\s*#\s*define\s+(\w+)(\(([^)]*)\))?', line)
        if m:
            if guard and m.group(1) == guard.group(1):
                continue
            if m.group(2) is None:
                sig = ''
            else:
                ps = [p.strip() for p in m.group(3).split(',') if p.strip()]
                sig = '(%d%s)' % (len([p for p in ps if not p.endswith('...')]),
                                  '+' if ps and ps[-1].endswith('...') else '')
            out.add(m.group(1), 'macro', sig, label)
        elif not re.match(r'^\s*#', line):
            code.append(line)
    text = '\n'.join(code)
    depth, st, head = 0, '', None
    for c in text:
        if c == '{':
            if depth == 0:
                head = st
            depth += 1
        elif c == '}':
            depth -= 1
            if depth == 0 and head is not None and re.search(r'\)[\w\s]*$', ATTRS.sub(' ', head)) \
                    and not re.match(r'^\s*(typedef\s+)?(struct|union|enum)\b', head):
                parse_statement(head, label, out)  # a function definition
                st, head = '', None
                continue
        if c == ';' and depth == 0:
            parse_statement(st, label, out)
            st, head = '', None
            continue
        st += c
    return out


def include_closure(root, first):
    """The headers of dir root that `first` includes, transitively."""
    seen, todo = [], [first]
    while todo:
        f = todo.pop()
        if f in seen or not os.path.isfile(os.path.join(root, f)):
            continue
        seen.append(f)
        todo += re.findall(r'^\s*#\s*include\s+"([\w.]+)"', open(os.path.join(root, f)).read(), re.M)
    return seen


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--ours', required=True)
    ap.add_argument('--scx', required=True, help="Linux's tools/sched_ext/include/scx")
    ap.add_argument('--libbpf', required=True, help="libbpf's include/bpf")
    ap.add_argument('--allow', required=True)
    a = ap.parse_args()

    ours, theirs, provided = Decls(), Decls(), Decls()
    for sub in ('scx', 'bpf'):
        d = os.path.join(a.ours, sub)
        for f in sorted(os.listdir(d)):
            if f.endswith('.h'):
                parse_file(os.path.join(d, f), ours, '%s/%s' % (sub, f))
    parse_file(os.path.join(a.ours, 'vmlinux.h'), provided, 'vmlinux.h')
    for f in include_closure(a.scx, 'common.bpf.h'):
        parse_file(os.path.join(a.scx, f), theirs, 'scx/' + f)
    for f in ('bpf_helpers.h', 'bpf_helper_defs.h', 'bpf_tracing.h', 'bpf_core_read.h'):
        parse_file(os.path.join(a.libbpf, f), theirs, 'bpf/' + f)

    diffs = []  # (status, name, file, text)
    for name, ents in sorted(ours.names.items()):
        if name not in theirs.names:
            for (kind, sig), f in ents.items():
                diffs.append(('extra', name, f, '%s %s %s in %s' % (kind, name, sig, f)))
            continue
        t = theirs.names[name]
        for (kind, sig), f in ents.items():
            if (kind, sig) in t:
                continue
            same_kind = [(k, s, tf) for (k, s), tf in t.items() if k == kind]
            other = same_kind or [(k, s, tf) for (k, s), tf in t.items()]
            k, s, tf = other[0]
            diffs.append(('differs', name, f, '%s: ours %s %s (%s), upstream %s %s (%s)'
                          % (name, kind, sig or '-', f, k, s or '-', tf)))
    for name, ents in sorted(theirs.names.items()):
        if name in ours.names or name in provided.names:
            continue
        (kind, sig), f = next(iter(ents.items()))
        diffs.append(('missing', name, f, '%s %s %s from %s' % (kind, name, sig, f)))

    allow = []
    for ln, line in enumerate(open(a.allow), 1):
        line = line.split('#')[0].strip()
        if not line:
            continue
        status, pat = line.split(None, 1)
        if status not in ('missing', 'differs'):
            sys.exit('%s:%d: status must be missing or differs (extra names are never allowed): %s'
                     % (a.allow, ln, line))
        allow.append([status, pat.strip(), ln, 0])
    bad, allowed = [], 0
    for status, name, f, text in diffs:
        hit = [e for e in allow if e[0] == status and
               (fnmatch.fnmatchcase(name, e[1]) or fnmatch.fnmatchcase('%s:%s' % (f, name), e[1]))]
        for e in hit:
            e[3] += 1
        if hit:
            allowed += 1
        else:
            bad.append('%s %s' % (status, text))
    for status, pat, ln, n in allow:
        if not n:
            bad.append('%s:%d: `%s %s` matches nothing: remove it' % (a.allow, ln, status, pat))
    counts = {s: sum(1 for d in diffs if d[0] == s) for s in ('extra', 'differs', 'missing')}
    print('sdk-parity: %d names ours, %d upstream; %d extra, %d differ, %d missing (allowed: %d)'
          % (len(ours.names), len(theirs.names), counts['extra'], counts['differs'],
             counts['missing'], allowed))
    for b in bad:
        print('sdk-parity: ' + b)
    return 1 if bad else 0


if __name__ == '__main__':
    sys.exit(main())
