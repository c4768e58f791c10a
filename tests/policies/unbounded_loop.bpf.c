/* unbounded_loop: a loop the verifier cannot bound, in the middle of a
 * callback; the refusal must name its back edge and this file's line of
 * the loop, for tests/unit/cli/see_policy_test.cpp. */
#include <scx/common.bpf.h>

char _license[] SEC("license") = "GPL";

UEI_DEFINE(uei);

void BPF_STRUCT_OPS(unbounded_loop_enqueue, struct task_struct *p, u64 enq_flags)
{
	u64 slice = SCX_SLICE_DFL;

	if (p->pid == 1)
		slice /= 2;
	while (bpf_get_prandom_u32() != 7) /* the loop */
		;
	scx_bpf_dsq_insert(p, SCX_DSQ_GLOBAL, slice, enq_flags);
}

void BPF_STRUCT_OPS(unbounded_loop_exit, struct scx_exit_info *ei)
{
	UEI_RECORD(uei, ei);
}

SCX_OPS_DEFINE(unbounded_loop_ops,
	       .enqueue = (void *)unbounded_loop_enqueue,
	       .exit = (void *)unbounded_loop_exit,
	       .name = "unbounded_loop");
