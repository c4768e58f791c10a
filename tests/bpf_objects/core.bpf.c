/* core.bpf.c: CO-RE relocations against a "vmlinux" whose layout differs
 * from the host's (core_test.cpp gives the loader a HostTypes with other
 * offsets, a wider `prio`, no `legacy_field`). Each program returns one
 * relocated value, so the test can read it from the first instruction. */
#include "test_bpf.h"

enum scx_enq_flags { SCX_ENQ_WAKEUP = 1, SCX_ENQ_HEAD = 16, SCX_ENQ_NOT_ON_HOST = 1u << 20 };

struct sched_ext_entity {
  u32 flags;
  u64 slice;
  u64 dsq_vtime;
} __attribute__((preserve_access_index));

struct task_struct {
  u64 legacy_field;   /* absent on the host */
  int pid;
  u32 prio;           /* 8 bytes on the host */
  struct sched_ext_entity scx;
} __attribute__((preserve_access_index));

/* An older kernel's layout, under a flavour name: resolves to task_struct. */
struct task_struct___old {
  long long pid;
} __attribute__((preserve_access_index));

struct not_on_host { int x; };

SEC("tc") u64 off_pid(void *ctx) { return bpf_core_field_offset(((struct task_struct *)0)->pid); }
SEC("tc") u64 size_slice(void *ctx) { return bpf_core_field_size(((struct task_struct *)0)->scx.slice); }
SEC("tc") u64 signed_pid(void *ctx) { return bpf_core_field_signed(((struct task_struct *)0)->pid); }
SEC("tc") u64 exists_legacy(void *ctx) { return bpf_core_field_exists(((struct task_struct *)0)->legacy_field); }
SEC("tc") u64 exists_pid(void *ctx) { return bpf_core_field_exists(((struct task_struct *)0)->pid); }
SEC("tc") u64 type_size_task(void *ctx) { return bpf_core_type_size(struct task_struct); }
SEC("tc") u64 type_exists_missing(void *ctx) { return bpf_core_type_exists(struct not_on_host); }
SEC("tc") u64 enum_wakeup(void *ctx) { return bpf_core_enum_value(enum scx_enq_flags, SCX_ENQ_HEAD); }
SEC("tc") u64 enum_missing(void *ctx) { return bpf_core_enum_value_exists(enum scx_enq_flags, SCX_ENQ_NOT_ON_HOST); }

SEC("tc") int read_pid(struct task_struct *p) { return p->pid; }
SEC("tc") u64 read_prio(struct task_struct *p) { return p->prio; }
SEC("tc") u64 read_slice(struct task_struct *p) { return p->scx.slice; }
SEC("tc") s64 read_old_pid(struct task_struct___old *p) { return p->pid; }

SEC("tc")
u64 guarded(struct task_struct *p)
{
  if (bpf_core_field_exists(p->legacy_field))
    return p->legacy_field;
  return 42;
}

char _license[] SEC("license") = "GPL";
