/* struct_ops.bpf.c: a sched_ext ops table with a local, minimal
 * declaration of struct sched_ext_ops (members are bound by name, so the
 * order and the set of members do not have to match the host's). */
#include "test_bpf.h"

struct task_struct;

struct sched_ext_ops {
  int (*select_cpu)(struct task_struct *p, int prev_cpu, u64 wake_flags);
  void (*enqueue)(struct task_struct *p, u64 enq_flags);
  void (*dispatch)(int cpu, struct task_struct *prev);
  int (*init)(void);
  void (*exit)(void *info);
  u32 dispatch_max_batch;
  u64 flags;
  u32 timeout_ms;
  u32 exit_dump_len;
  char name[128];
};

u64 nr_enqueued;

SEC("struct_ops/select_cpu")
int my_select_cpu(struct task_struct *p, int prev_cpu, u64 wake_flags) { return prev_cpu; }

SEC("struct_ops/enqueue")
void my_enqueue(struct task_struct *p, u64 enq_flags) { nr_enqueued++; }

SEC("struct_ops/dispatch")
void my_dispatch(int cpu, struct task_struct *prev) {}

SEC("struct_ops.s/init")
int my_init(void) { return 0; }

SEC(".struct_ops.link")
struct sched_ext_ops test_ops = {
  .select_cpu = (void *)my_select_cpu,
  .enqueue = (void *)my_enqueue,
  .dispatch = (void *)my_dispatch,
  .init = (void *)my_init,
  .dispatch_max_batch = 16,
  .flags = 4,
  .timeout_ms = 5000,
  .name = "test_ops",
};

char _license[] SEC("license") = "GPL";
