/* prio: two priority levels, with or without preemption.
 *
 * Tasks whose weight is at least `hi_weight` are high priority and go to
 * HI_DSQ; the others to LO_DSQ. dispatch() serves HI_DSQ first, so a waiting
 * high-priority task always runs before a low-priority one, but only when a
 * CPU next asks for work: when a CPU frees up or its task's slice (20 ms)
 * ends. A high-priority task that wakes while every CPU runs a hog waits up
 * to a whole slice.
 *
 * With `kick` set (prio.bpf.o?kick=1), enqueue() then preempts a CPU that
 * runs a low-priority task: scx_bpf_kick_cpu(cpu, SCX_KICK_PREEMPT) ends
 * that task's slice now, the CPU dispatches, and HI_DSQ wins. The
 * measured difference is in docs/writing-a-policy.md ("Priority and
 * preemption"); tests/unit/cli/prio_kick_test.cpp keeps it true.
 *
 * Capabilities: sched.load, and sched.kick (scx_bpf_kick_cpu).
 */
#include <scx/common.bpf.h>

char _license[] SEC("license") = "GPL";

const volatile u32 hi_weight = 200; /* nice -3 and below: 200 and above */
const volatile bool kick;

#define HI_DSQ 0
#define LO_DSQ 1
#define MAX_CPUS 1024

/* Per CPU: is it running a low-priority task (a candidate to preempt)? */
static bool running_lo[MAX_CPUS];

UEI_DEFINE(uei);

static bool is_hi(struct task_struct *p)
{
	return p->scx.weight >= hi_weight;
}

s32 BPF_STRUCT_OPS(prio_select_cpu, struct task_struct *p, s32 prev_cpu, u64 wake_flags)
{
	bool is_idle = false;
	s32 cpu;

	cpu = scx_bpf_select_cpu_dfl(p, prev_cpu, wake_flags, &is_idle);
	if (is_idle)
		scx_bpf_dsq_insert(p, SCX_DSQ_LOCAL, SCX_SLICE_DFL, 0);
	return cpu;
}

void BPF_STRUCT_OPS(prio_enqueue, struct task_struct *p, u64 enq_flags)
{
	s32 nr_cpus, i;

	if (!is_hi(p)) {
		scx_bpf_dsq_insert(p, LO_DSQ, SCX_SLICE_DFL, enq_flags);
		return;
	}
	scx_bpf_dsq_insert(p, HI_DSQ, SCX_SLICE_DFL, enq_flags);
	if (!kick)
		return;

	/* No idle CPU took it in select_cpu: take one from a low-priority
	 * task. Without this the task waits for a slice to end. */
	nr_cpus = scx_bpf_nr_cpu_ids();
	bpf_for(i, 0, nr_cpus) {
		bool *lo = MEMBER_VPTR(running_lo, [i]);

		if (lo && *lo) {
			*lo = false; /* one kick per CPU until it runs again */
			scx_bpf_kick_cpu(i, SCX_KICK_PREEMPT);
			return;
		}
	}
}

void BPF_STRUCT_OPS(prio_dispatch, s32 cpu, struct task_struct *prev)
{
	if (!scx_bpf_dsq_move_to_local(HI_DSQ, 0))
		scx_bpf_dsq_move_to_local(LO_DSQ, 0);
}

void BPF_STRUCT_OPS(prio_running, struct task_struct *p)
{
	bool *lo = MEMBER_VPTR(running_lo, [scx_bpf_task_cpu(p)]);

	if (lo)
		*lo = !is_hi(p);
}

void BPF_STRUCT_OPS(prio_stopping, struct task_struct *p, bool runnable)
{
	bool *lo = MEMBER_VPTR(running_lo, [scx_bpf_task_cpu(p)]);

	if (lo)
		*lo = false;
}

s32 BPF_STRUCT_OPS_SLEEPABLE(prio_init)
{
	s32 ret = scx_bpf_create_dsq(HI_DSQ, NUMA_NO_NODE);

	if (ret)
		return ret;
	return scx_bpf_create_dsq(LO_DSQ, NUMA_NO_NODE);
}

void BPF_STRUCT_OPS(prio_exit, struct scx_exit_info *ei)
{
	UEI_RECORD(uei, ei);
}

SCX_OPS_DEFINE(prio_ops,
	       .select_cpu = (void *)prio_select_cpu,
	       .enqueue = (void *)prio_enqueue,
	       .dispatch = (void *)prio_dispatch,
	       .running = (void *)prio_running,
	       .stopping = (void *)prio_stopping,
	       .init = (void *)prio_init,
	       .exit = (void *)prio_exit,
	       .name = "prio");
