/* core_unguarded.bpf.c: reads a field the host does not have, with no
 * bpf_core_field_exists() guard: the load must fail naming the field. */
#include "test_bpf.h"

struct task_struct {
  int pid;
  u64 legacy_field;
} __attribute__((preserve_access_index));

SEC("tc") u64 read_legacy(struct task_struct *p) { return p->legacy_field; }

char _license[] SEC("license") = "GPL";
