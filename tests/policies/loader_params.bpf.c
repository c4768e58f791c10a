/* loader_params: a scheduler whose behaviour its user-space half sets
 * before load, in .rodata: `kick_on_enqueue` (0 by default) decides whether
 * enqueue() kicks a CPU, which only a loader holding sched.kick may do, and
 * `usersched_pid`, the global by which scx_userland's BPF half knows its
 * user-space scheduler (0: not there). For tests/unit/cli/load_params_cli_test.cpp. */
#include <scx/common.bpf.h>

char _license[] SEC("license") = "GPL";

const volatile u32 kick_on_enqueue;
const volatile u32 usersched_pid;

void BPF_STRUCT_OPS(loader_params_enqueue, struct task_struct *p, u64 enq_flags)
{
	scx_bpf_dsq_insert(p, SCX_DSQ_GLOBAL, SCX_SLICE_DFL, enq_flags);
	if (kick_on_enqueue)
		scx_bpf_kick_cpu(0, SCX_KICK_IDLE);
}

SCX_OPS_DEFINE(loader_params_ops,
	       .enqueue = (void *)loader_params_enqueue,
	       .name = "loader_params");
