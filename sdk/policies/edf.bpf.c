/* edf: earliest deadline first.
 *
 * Each task has a relative deadline kept in per-task storage: by default
 * base_deadline_ns * 100 / weight, so a task of weight 200 must be served
 * twice as soon as one of weight 100. When a task wakes it starts a new job
 * whose absolute deadline is now + its relative deadline; a task preempted
 * at the end of its slice keeps the deadline of the job it is still running.
 * All runnable tasks wait in one user DSQ ordered by absolute deadline (the
 * DSQ's vtime), and a CPU that runs dry takes the earliest.
 *
 * Deadlines grow with time, so every task is eventually the earliest: no
 * starvation, whatever the weights.
 *
 * Capabilities: sched.load only.
 */
#include <scx/common.bpf.h>

char _license[] SEC("license") = "GPL";

#define EDF_DSQ 0

const volatile u64 slice_ns = 5000000;		/* 5 ms */
const volatile u64 base_deadline_ns = 20000000;	/* weight 100: 20 ms */
const volatile u64 min_deadline_ns = 1000000;	/* 1 ms */

UEI_DEFINE(uei);

struct task_ctx {
	u64 rel_deadline;	/* ns from the start of a job */
	u64 deadline;		/* absolute deadline of the current job */
};

struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct task_ctx);
} task_ctx_stor SEC(".maps");

u64 nr_missed;	/* jobs that started after their deadline */

static u64 rel_deadline_for(u32 weight)
{
	u64 rel = base_deadline_ns * 100 / (weight ?: 1);

	return rel < min_deadline_ns ? min_deadline_ns : rel;
}

s32 BPF_STRUCT_OPS(edf_select_cpu, struct task_struct *p, s32 prev_cpu, u64 wake_flags)
{
	bool is_idle = false;
	s32 cpu;

	/* Only an idle CPU is taken directly: a busy one would make the
	 * task skip the deadline order. */
	cpu = scx_bpf_select_cpu_dfl(p, prev_cpu, wake_flags, &is_idle);
	if (is_idle) {
		struct task_ctx *tctx = bpf_task_storage_get(&task_ctx_stor, p, 0, 0);

		if (tctx)
			tctx->deadline = scx_bpf_now() + tctx->rel_deadline;
		scx_bpf_dsq_insert(p, SCX_DSQ_LOCAL, slice_ns, 0);
	}
	return cpu;
}

void BPF_STRUCT_OPS(edf_enqueue, struct task_struct *p, u64 enq_flags)
{
	struct task_ctx *tctx = bpf_task_storage_get(&task_ctx_stor, p, 0, 0);
	u64 now = scx_bpf_now();

	if (!tctx) {
		scx_bpf_error("edf: no task storage for pid %d", p->pid);
		return;
	}

	/* A wakeup starts a new job; a preempted task continues its job. */
	if ((enq_flags & SCX_ENQ_WAKEUP) || !tctx->deadline)
		tctx->deadline = now + tctx->rel_deadline;

	scx_bpf_dsq_insert_vtime(p, EDF_DSQ, slice_ns, tctx->deadline, enq_flags);
}

void BPF_STRUCT_OPS(edf_dispatch, s32 cpu, struct task_struct *prev)
{
	scx_bpf_dsq_move_to_local(EDF_DSQ, 0);
}

void BPF_STRUCT_OPS(edf_running, struct task_struct *p)
{
	struct task_ctx *tctx = bpf_task_storage_get(&task_ctx_stor, p, 0, 0);

	if (tctx && time_before(tctx->deadline, scx_bpf_now()))
		__sync_fetch_and_add(&nr_missed, 1);
}

void BPF_STRUCT_OPS(edf_set_weight, struct task_struct *p, u32 weight)
{
	struct task_ctx *tctx = bpf_task_storage_get(&task_ctx_stor, p, 0, 0);

	if (tctx)
		tctx->rel_deadline = rel_deadline_for(weight);
}

s32 BPF_STRUCT_OPS_SLEEPABLE(edf_init_task, struct task_struct *p, struct scx_init_task_args *args)
{
	struct task_ctx *tctx;

	tctx = bpf_task_storage_get(&task_ctx_stor, p, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (!tctx)
		return -ENOMEM;
	tctx->rel_deadline = rel_deadline_for(p->scx.weight);
	tctx->deadline = 0;
	return 0;
}

void BPF_STRUCT_OPS(edf_exit_task, struct task_struct *p, struct scx_exit_task_args *args)
{
	bpf_task_storage_delete(&task_ctx_stor, p);
}

s32 BPF_STRUCT_OPS_SLEEPABLE(edf_init)
{
	return scx_bpf_create_dsq(EDF_DSQ, NUMA_NO_NODE);
}

void BPF_STRUCT_OPS(edf_exit, struct scx_exit_info *ei)
{
	UEI_RECORD(uei, ei);
}

SCX_OPS_DEFINE(edf_ops,
	       .select_cpu = (void *)edf_select_cpu,
	       .enqueue = (void *)edf_enqueue,
	       .dispatch = (void *)edf_dispatch,
	       .running = (void *)edf_running,
	       .set_weight = (void *)edf_set_weight,
	       .init_task = (void *)edf_init_task,
	       .exit_task = (void *)edf_exit_task,
	       .init = (void *)edf_init,
	       .exit = (void *)edf_exit,
	       .name = "edf");
