#!/usr/bin/env python3
"""The checker behind ctest sdk_parity (scripts/sdk_parity.py), on small
headers written here: that it reports a name only we declare, a name with
another signature or kind, a name upstream has and we lack, accepts what the
allow-list names, and fails on an allow-list line that matches nothing. So
that sdk_parity passing means the headers agree, not that the parser saw
nothing. Needs no network."""
import os
import subprocess
import sys
import tempfile
import unittest

CHECKER = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'scripts', 'sdk_parity.py')

UPSTREAM_SCX = r'''
#ifndef __SCX_COMMON_BPF_H
#define __SCX_COMMON_BPF_H
#define BPF_STRUCT_OPS(name, args...) SEC("struct_ops/"#name) BPF_PROG(name, ##args)
s32 scx_bpf_dsq_nr_queued(u64 dsq_id) __ksym;
void scx_bpf_kick_cpu(s32 cpu, u64 flags) __ksym;
static inline bool time_after(u64 a, u64 b)
{
	return (s64)(b - a) < 0;
}
enum uei_sizes { UEI_REASON_LEN = 128, UEI_MSG_LEN = 1024 };
struct user_exit_info { int kind; s64 exit_code; char reason[UEI_REASON_LEN]; };
#include "compat.bpf.h"
#endif
'''
UPSTREAM_COMPAT = r'''
bool scx_bpf_dsq_insert___v2___compat(struct task_struct *p, u64 dsq_id, u64 slice, u64 enq_flags) __ksym __weak;
/* a comment with a fake(void) declaration; */
#define scx_bpf_now() (bpf_ksym_exists(scx_bpf_now) ? scx_bpf_now() : bpf_ktime_get_ns())
'''
LIBBPF_DEFS = 'static __u64 (* const bpf_ktime_get_ns)(void) = (void *) 5;\n'

OURS_SCX = r'''
#ifndef __UPSCHED_SCX_COMMON_BPF_H__
#define __UPSCHED_SCX_COMMON_BPF_H__
#define BPF_STRUCT_OPS(name, args...) SEC("struct_ops/" #name) BPF_PROG(name, ##args)
u32 scx_bpf_dsq_nr_queued(u64 id) __ksym;
static inline bool time_after(u64 x, u64 y) { return (s64)(y - x) < 0; }
#define UEI_REASON_LEN 128
enum uei_sizes { UEI_MSG_LEN = 1024 };
struct user_exit_info { int kind; s64 exit_code; char reason[UEI_REASON_LEN]; };
#define U64_MAX ((u64)~0ULL)
bool scx_bpf_dsq_insert___v2___compat(struct task_struct *task, u64 a, u64 b, u64 c) __ksym __weak;
#endif
'''
OURS_BPF = 'static u64 (* const bpf_ktime_get_ns)(void) = (void *) 5;\n'
OURS_VMLINUX = 'enum { SCX_KICK_IDLE = 1 };\n'


def write(root, rel, text):
    path = os.path.join(root, rel)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, 'w') as f:
        f.write(text)


class SdkParity(unittest.TestCase):
    def run_checker(self, allow):
        with tempfile.TemporaryDirectory() as d:
            write(d, 'ours/scx/common.bpf.h', OURS_SCX)
            write(d, 'ours/bpf/bpf_helpers.h', OURS_BPF)
            write(d, 'ours/vmlinux.h', OURS_VMLINUX)
            write(d, 'scx/common.bpf.h', UPSTREAM_SCX)
            write(d, 'scx/compat.bpf.h', UPSTREAM_COMPAT)
            write(d, 'libbpf/bpf_helper_defs.h', LIBBPF_DEFS)
            for f in ('bpf_helpers.h', 'bpf_tracing.h', 'bpf_core_read.h'):
                write(d, 'libbpf/' + f, '')
            write(d, 'allow.txt', allow)
            r = subprocess.run([sys.executable, CHECKER, '--ours', d + '/ours', '--scx', d + '/scx',
                                '--libbpf', d + '/libbpf', '--allow', d + '/allow.txt'],
                               capture_output=True, text=True)
            return r.returncode, r.stdout + r.stderr

    def test_reports_each_kind_of_difference(self):
        rc, out = self.run_checker('')
        self.assertEqual(rc, 1, out)
        self.assertIn('extra macro U64_MAX', out)
        self.assertIn('differs scx_bpf_dsq_nr_queued: ours function u32(u64)', out)
        self.assertIn('upstream function s32(u64)', out)
        self.assertIn('differs UEI_REASON_LEN: ours macro', out)
        self.assertIn('missing function scx_bpf_kick_cpu', out)
        self.assertIn('missing macro scx_bpf_now', out)
        # Same signature up to parameter names, __u64 vs u64, formatting:
        for same in ('BPF_STRUCT_OPS', 'time_after', 'UEI_MSG_LEN', 'user_exit_info',
                     'bpf_ktime_get_ns', 'scx_bpf_dsq_insert___v2___compat', 'fake'):
            self.assertNotIn(' ' + same, out.replace('sdk-parity:', ''), same)

    def test_allow_list_accepts_listed_gaps_but_never_extra_names(self):
        allow = ('missing scx/common.bpf.h:scx_bpf_kick_cpu  # not yet\n'
                 'missing scx_bpf_now\n'
                 'differs scx_bpf_dsq_nr_queued\ndiffers UEI_*\n')
        rc, out = self.run_checker(allow)
        self.assertEqual(rc, 1, out)
        self.assertEqual(out.count('sdk-parity: extra'), 1, out)
        self.assertNotIn('missing', out.split('\n', 1)[1], out)
        rc, out = self.run_checker(allow + 'extra U64_MAX\n')
        self.assertNotEqual(rc, 0, out)
        self.assertIn('extra names are never allowed', out)

    def test_allow_line_matching_nothing_fails(self):
        rc, out = self.run_checker('missing no_such_name\n')
        self.assertEqual(rc, 1, out)
        self.assertIn('`missing no_such_name` matches nothing', out)


if __name__ == '__main__':
    unittest.main()
