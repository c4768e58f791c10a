/* bad_foreign_dispatch (test policy): dispatches a task that is not its own.
 *
 * Schedules its own tasks through a FIFO DSQ, and on every dispatch also
 * looks up the task with pid `victim_pid` (set before load, e.g. a task of
 * another class or another user) and inserts it into the local DSQ. The
 * host must refuse the foreign insert at run time and eject the class,
 * naming scx_bpf_dsq_insert and the task; the victim is never moved. Loaded
 * without sched.inspect, bpf_task_from_pid() does not even return a foreign
 * task, and the policy is harmless.
 *
 * Capabilities: sched.load (sched.inspect to see the victim at all).
 */
#include <scx/common.bpf.h>

char _license[] SEC("license") = "GPL";

#define OWN_DSQ 0

const volatile s32 victim_pid = 1;

u64 nr_attempts;

void BPF_STRUCT_OPS(foreign_enqueue, struct task_struct *p, u64 enq_flags)
{
	scx_bpf_dsq_insert(p, OWN_DSQ, SCX_SLICE_DFL, enq_flags);
}

void BPF_STRUCT_OPS(foreign_dispatch, s32 cpu, struct task_struct *prev)
{
	struct task_struct *victim = bpf_task_from_pid(victim_pid);

	if (victim) {
		__sync_fetch_and_add(&nr_attempts, 1);
		scx_bpf_dsq_insert(victim, SCX_DSQ_LOCAL, SCX_SLICE_DFL, 0);
		bpf_task_release(victim);
	}
	scx_bpf_dsq_move_to_local(OWN_DSQ, 0);
}

s32 BPF_STRUCT_OPS_SLEEPABLE(foreign_init)
{
	return scx_bpf_create_dsq(OWN_DSQ, NUMA_NO_NODE);
}

SCX_OPS_DEFINE(bad_foreign_dispatch_ops,
	       .enqueue = (void *)foreign_enqueue,
	       .dispatch = (void *)foreign_dispatch,
	       .init = (void *)foreign_init,
	       .name = "bad_foreign_dispatch");
