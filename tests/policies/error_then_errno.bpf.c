/* error_then_errno: select_cpu gives up with scx_bpf_error() on its fourth
 * call and then returns an errno, as Linux 7.3's scx_userland does when a
 * task has no storage. sched_ext lets it load and ejects it at run time;
 * so does upsched (the error ends the run, so the errno is never taken
 * for a CPU). For tests/unit/cli/see_policy_test.cpp. */
#include <scx/common.bpf.h>

char _license[] SEC("license") = "GPL";

UEI_DEFINE(uei);

u32 calls;

s32 BPF_STRUCT_OPS(error_then_errno_select_cpu, struct task_struct *p, s32 prev_cpu, u64 wake_flags)
{
	if (++calls == 4) {
		scx_bpf_error("giving up on pid %d", p->pid);
		return -3; /* -ESRCH */
	}
	return prev_cpu;
}

void BPF_STRUCT_OPS(error_then_errno_exit, struct scx_exit_info *ei)
{
	UEI_RECORD(uei, ei);
}

SCX_OPS_DEFINE(error_then_errno_ops,
	       .select_cpu = (void *)error_then_errno_select_cpu,
	       .exit = (void *)error_then_errno_exit,
	       .name = "error_then_errno");
