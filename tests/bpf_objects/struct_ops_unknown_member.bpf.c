/* struct_ops_unknown_member.bpf.c: sets a data member upsched does not
 * support (sub_cgroup_id): the load must fail naming it. */
#include "test_bpf.h"

struct task_struct;

struct sched_ext_ops {
  void (*enqueue)(struct task_struct *p, u64 enq_flags);
  u64 sub_cgroup_id;
  char name[128];
};

SEC("struct_ops/enqueue")
void bad_enqueue(struct task_struct *p, u64 enq_flags) {}

SEC(".struct_ops.link")
struct sched_ext_ops bad_ops = {
  .enqueue = (void *)bad_enqueue,
  .sub_cgroup_id = 7,
  .name = "bad",
};

char _license[] SEC("license") = "GPL";
