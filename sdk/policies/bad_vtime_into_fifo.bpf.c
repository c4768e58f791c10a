/* bad_vtime_into_fifo (test policy): mixes FIFO and vtime inserts on a DSQ.
 *
 * The first task enqueued goes into user DSQ 0 in FIFO order; every later
 * one is inserted with a vtime into the same DSQ. sched_ext forbids a DSQ
 * to be both: the host must eject the class at the second enqueue
 * ("DSQ 0x0 already had FIFO-enqueued tasks"), and every task must finish
 * under fair.
 *
 * Capabilities: sched.load only.
 */
#include <scx/common.bpf.h>

char _license[] SEC("license") = "GPL";

#define MIXED_DSQ 0

u64 nr_enqueued;

void BPF_STRUCT_OPS(mixed_enqueue, struct task_struct *p, u64 enq_flags)
{
	u64 n = __sync_fetch_and_add(&nr_enqueued, 1);

	if (n == 0)
		scx_bpf_dsq_insert(p, MIXED_DSQ, SCX_SLICE_DFL, enq_flags);
	else
		scx_bpf_dsq_insert_vtime(p, MIXED_DSQ, SCX_SLICE_DFL, n, enq_flags);
}

void BPF_STRUCT_OPS(mixed_dispatch, s32 cpu, struct task_struct *prev)
{
	scx_bpf_dsq_move_to_local(MIXED_DSQ, 0);
}

s32 BPF_STRUCT_OPS_SLEEPABLE(mixed_init)
{
	return scx_bpf_create_dsq(MIXED_DSQ, NUMA_NO_NODE);
}

SCX_OPS_DEFINE(bad_vtime_into_fifo_ops,
	       .enqueue = (void *)mixed_enqueue,
	       .dispatch = (void *)mixed_dispatch,
	       .init = (void *)mixed_init,
	       .name = "bad_vtime_into_fifo");
