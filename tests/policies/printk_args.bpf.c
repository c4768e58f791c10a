/* printk_args: bpf_printk with 0 to 3 values (bpf_trace_printk) and with 5
 * (bpf_trace_vprintk), on every enqueue, for tests/unit/cli/see_policy_test.cpp. */
#include <scx/common.bpf.h>

char _license[] SEC("license") = "GPL";

UEI_DEFINE(uei);

void BPF_STRUCT_OPS(printk_args_enqueue, struct task_struct *p, u64 enq_flags)
{
	s32 pid = p->pid;

	bpf_printk("no values");
	bpf_printk("one: pid %d", pid);
	bpf_printk("two: pid %d weight %u", pid, p->scx.weight);
	bpf_printk("three: %d %d %s", pid, 3, "str");
	bpf_printk("five: %d %d %d %d pid %d", 1, 2, 3, 4, pid);
	scx_bpf_dsq_insert(p, SCX_DSQ_GLOBAL, SCX_SLICE_DFL, enq_flags);
}

void BPF_STRUCT_OPS(printk_args_exit, struct scx_exit_info *ei)
{
	UEI_RECORD(uei, ei);
}

SCX_OPS_DEFINE(printk_args_ops,
	       .enqueue = (void *)printk_args_enqueue,
	       .exit = (void *)printk_args_exit,
	       .name = "printk_args");
