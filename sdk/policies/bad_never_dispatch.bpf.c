/* bad_never_dispatch (test policy): takes every task and never runs it.
 *
 * enqueue() keeps each task in the policy's custody and no dispatch()
 * exists, so the tasks wait forever. The watchdog must eject the class
 * after timeout_ms with an SCX_EXIT_ERROR_STALL report, and every task must
 * then finish under the fair class.
 *
 * Capabilities: sched.load only.
 */
#include <scx/common.bpf.h>

char _license[] SEC("license") = "GPL";

u64 nr_swallowed;

void BPF_STRUCT_OPS(never_enqueue, struct task_struct *p, u64 enq_flags)
{
	/* Not inserted anywhere: the policy now owns p and forgets it. */
	__sync_fetch_and_add(&nr_swallowed, 1);
}

SCX_OPS_DEFINE(bad_never_dispatch_ops,
	       .enqueue = (void *)never_enqueue,
	       .timeout_ms = 1000U,
	       .name = "bad_never_dispatch");
