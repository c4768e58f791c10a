/* bad_calls_error (test policy): gives up after N enqueues.
 *
 * A working global-FIFO policy until its error_after-th enqueue, where it
 * calls scx_bpf_error(). The host must eject it with an SCX_EXIT_ERROR_BPF
 * report whose message is the formatted text below, and every task must
 * finish under fair.
 *
 * Capabilities: sched.load only.
 */
#include <scx/common.bpf.h>

char _license[] SEC("license") = "GPL";

const volatile u32 error_after = 10;

u32 nr_enqueued;

void BPF_STRUCT_OPS(error_enqueue, struct task_struct *p, u64 enq_flags)
{
	u32 n = __sync_add_and_fetch(&nr_enqueued, 1);

	if (n >= error_after) {
		scx_bpf_error("bad_calls_error: giving up after %u enqueues (pid %d)",
			      n, p->pid);
		return;
	}
	scx_bpf_dsq_insert(p, SCX_DSQ_GLOBAL, SCX_SLICE_DFL, enq_flags);
}

SCX_OPS_DEFINE(bad_calls_error_ops,
	       .enqueue = (void *)error_enqueue,
	       .name = "bad_calls_error");
