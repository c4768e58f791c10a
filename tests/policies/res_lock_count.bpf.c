/* res_lock_count: a global FIFO that counts enqueues and dispatches under
 * a bpf_res_spin_lock kept in a section of its own, as scx_qmap keeps its
 * queue locks, with Linux's idiom (a failed lock ends the policy).
 * enqueue and dispatch each take the lock, update the counts and release
 * it; dispatch checks that no more dispatches than enqueues were counted.
 * So a clean run shows the lock taken and released at every call (the
 * host faults a lock taken while held or never released).
 * tests/unit/policy/res_spin_lock_policy_test.cpp runs it.
 */
#include <scx/common.bpf.h>

char _license[] SEC("license") = "GPL";

private(CNT) struct bpf_res_spin_lock cnt_lock;
private(CNT) u64 nr_enqueued;
private(CNT) u64 nr_dispatched;

void BPF_STRUCT_OPS(rl_enqueue, struct task_struct *p, u64 enq_flags)
{
	if (bpf_res_spin_lock(&cnt_lock)) {
		scx_bpf_error("res_spin_lock failed");
		return;
	}
	nr_enqueued++;
	bpf_res_spin_unlock(&cnt_lock);
	scx_bpf_dsq_insert(p, SCX_DSQ_GLOBAL, SCX_SLICE_DFL, enq_flags);
}

void BPF_STRUCT_OPS(rl_dispatch, s32 cpu, struct task_struct *prev)
{
	u64 enq, dsp;

	if (!scx_bpf_dsq_move_to_local(SCX_DSQ_GLOBAL, 0))
		return;
	if (bpf_res_spin_lock(&cnt_lock)) {
		scx_bpf_error("res_spin_lock failed");
		return;
	}
	dsp = ++nr_dispatched;
	enq = nr_enqueued;
	bpf_res_spin_unlock(&cnt_lock);
	if (dsp > enq)
		scx_bpf_error("%llu dispatches for %llu enqueues", dsp, enq);
}

SCX_OPS_DEFINE(rl_ops, .enqueue = (void *)rl_enqueue, .dispatch = (void *)rl_dispatch,
	       .name = "res_lock_count");
