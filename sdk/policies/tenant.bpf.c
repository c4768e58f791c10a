/* tenant: a user's own scheduler for its own tasks, on the CPUs granted.
 *
 * The shape of a policy an ordinary user loads below the fair class: the
 * admission file grants sched.load and sched.cpus=<list>, the host attaches
 * only that user's tasks to the class and lets it run them only on the
 * granted CPUs (scx_bpf_get_possible_cpumask() returns the grant). The
 * policy itself:
 *
 * - refuses, in init_task, a task whose affinity excludes every granted CPU
 *   (it could never run here; better to leave it under fair);
 * - wakes a task onto an idle granted CPU directly when one exists;
 * - otherwise queues it in the tenant's FIFO DSQ with a short slice, so the
 *   tenant's interactive tasks are not stuck behind its batch jobs.
 *
 * DSQ ids are per class: TENANT_DSQ cannot collide with another tenant's.
 *
 * Capabilities: sched.load, sched.cpus=<list>.
 */
#include <scx/common.bpf.h>

char _license[] SEC("license") = "GPL";

#define TENANT_DSQ 0

const volatile u64 slice_ns = 3000000;	/* 3 ms */

UEI_DEFINE(uei);

u64 nr_direct, nr_queued, nr_refused;

s32 BPF_STRUCT_OPS(tenant_select_cpu, struct task_struct *p, s32 prev_cpu, u64 wake_flags)
{
	s32 cpu;

	/* Keep the task where it ran if that CPU is idle: warm caches. */
	if (bpf_cpumask_test_cpu(prev_cpu, p->cpus_ptr) &&
	    scx_bpf_test_and_clear_cpu_idle(prev_cpu)) {
		cpu = prev_cpu;
	} else {
		cpu = scx_bpf_pick_idle_cpu(p->cpus_ptr, 0);
		if (cpu < 0)
			return prev_cpu;
	}

	__sync_fetch_and_add(&nr_direct, 1);
	scx_bpf_dsq_insert(p, SCX_DSQ_LOCAL, slice_ns, 0);
	return cpu;
}

void BPF_STRUCT_OPS(tenant_enqueue, struct task_struct *p, u64 enq_flags)
{
	__sync_fetch_and_add(&nr_queued, 1);
	scx_bpf_dsq_insert(p, TENANT_DSQ, slice_ns, enq_flags);
}

void BPF_STRUCT_OPS(tenant_dispatch, s32 cpu, struct task_struct *prev)
{
	scx_bpf_dsq_move_to_local(TENANT_DSQ, 0);
}

/* Not sleepable: p->cpus_ptr is RCU-protected, and Linux accepts it as a
 * kfunc argument only in a non-sleepable program (or under
 * bpf_rcu_read_lock()). */
s32 BPF_STRUCT_OPS(tenant_init_task, struct task_struct *p, struct scx_init_task_args *args)
{
	const struct cpumask *granted = scx_bpf_get_possible_cpumask();
	bool usable = bpf_cpumask_intersects(granted, p->cpus_ptr);

	scx_bpf_put_cpumask(granted);
	if (!usable) {
		__sync_fetch_and_add(&nr_refused, 1);
		return -EINVAL;
	}
	return 0;
}

s32 BPF_STRUCT_OPS_SLEEPABLE(tenant_init)
{
	return scx_bpf_create_dsq(TENANT_DSQ, NUMA_NO_NODE);
}

void BPF_STRUCT_OPS(tenant_exit, struct scx_exit_info *ei)
{
	UEI_RECORD(uei, ei);
}

SCX_OPS_DEFINE(tenant_ops,
	       .select_cpu = (void *)tenant_select_cpu,
	       .enqueue = (void *)tenant_enqueue,
	       .dispatch = (void *)tenant_dispatch,
	       .init_task = (void *)tenant_init_task,
	       .init = (void *)tenant_init,
	       .exit = (void *)tenant_exit,
	       .name = "tenant");
