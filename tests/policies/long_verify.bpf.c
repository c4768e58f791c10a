/* long_verify: a bounded loop of 40,000 passes, which the verifier walks
 * pass by pass (a few hundred thousand processed instructions, accepted),
 * so that `upsched verify -v` shows its progress; for
 * tests/unit/cli/see_policy_test.cpp. */
#include <scx/common.bpf.h>

char _license[] SEC("license") = "GPL";

UEI_DEFINE(uei);

void BPF_STRUCT_OPS(long_verify_enqueue, struct task_struct *p, u64 enq_flags)
{
	u64 slice = 0;
	u32 i;

	for (i = 0; i < 40000; i++)
		slice += bpf_get_prandom_u32() & 1;
	scx_bpf_dsq_insert(p, SCX_DSQ_GLOBAL, SCX_SLICE_DFL + slice, enq_flags);
}

void BPF_STRUCT_OPS(long_verify_exit, struct scx_exit_info *ei)
{
	UEI_RECORD(uei, ei);
}

SCX_OPS_DEFINE(long_verify_ops,
	       .enqueue = (void *)long_verify_enqueue,
	       .exit = (void *)long_verify_exit,
	       .name = "long_verify");
