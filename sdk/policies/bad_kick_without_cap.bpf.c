/* bad_kick_without_cap (test policy): kicks CPUs.
 *
 * A global-FIFO policy that kicks the task's CPU on every enqueue. Kicking
 * needs sched.kick: loaded by a principal without it, the verifier must
 * refuse the object, naming scx_bpf_kick_cpu and the capability. With
 * sched.kick it loads and runs normally.
 *
 * Capabilities: sched.load, sched.kick.
 */
#include <scx/common.bpf.h>

char _license[] SEC("license") = "GPL";

void BPF_STRUCT_OPS(kick_enqueue, struct task_struct *p, u64 enq_flags)
{
	scx_bpf_dsq_insert(p, SCX_DSQ_GLOBAL, SCX_SLICE_DFL, enq_flags);
	scx_bpf_kick_cpu(scx_bpf_task_cpu(p), SCX_KICK_IDLE);
}

SCX_OPS_DEFINE(bad_kick_without_cap_ops,
	       .enqueue = (void *)kick_enqueue,
	       .name = "bad_kick_without_cap");
