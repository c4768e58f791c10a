/* qmap: five FIFO levels by weight, kept in BPF queue maps.
 *
 * In the manner of the kernel's scx_qmap, in our own code. A task that
 * becomes runnable is kept by the policy (not inserted into any DSQ): its
 * pid is pushed onto one of five BPF_MAP_TYPE_QUEUE maps, chosen by weight
 * (level 0 for the lightest tasks, level 4 for the heaviest). The queues sit
 * in an array-of-maps. When a CPU runs out of work, dispatch() pops one pid,
 * looks the task up and inserts it into that CPU's local DSQ.
 *
 * Each CPU serves the levels round robin, taking up to 1, 2, 4, 8, 16 tasks
 * from levels 0..4 in turn, so heavier levels get more turns without
 * starving lighter ones.
 *
 * With `fifo_mode` set, every task goes to level 0 and the policy is a plain
 * global FIFO: one task at a time, in the order they became runnable (the
 * native FIFO twin must give the same schedule).
 *
 * Per-task storage (BPF_MAP_TYPE_TASK_STORAGE) remembers that select_cpu()
 * found an idle CPU, so enqueue() can put the task there directly.
 *
 * Capabilities: sched.load only.
 */
#include <scx/common.bpf.h>

char _license[] SEC("license") = "GPL";

#define NR_LEVELS 5
#define QUEUE_DEPTH 4096

const volatile u64 slice_ns = SCX_SLICE_DFL;
const volatile bool fifo_mode;

UEI_DEFINE(uei);

struct level_queue {
	__uint(type, BPF_MAP_TYPE_QUEUE);
	__uint(max_entries, QUEUE_DEPTH);
	__type(value, u32);
} level0 SEC(".maps"), level1 SEC(".maps"), level2 SEC(".maps"),
	level3 SEC(".maps"), level4 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, NR_LEVELS);
	__type(key, int);
	__array(values, struct level_queue);
} levels SEC(".maps") = {
	.values = {
		[0] = &level0,
		[1] = &level1,
		[2] = &level2,
		[3] = &level3,
		[4] = &level4,
	},
};

struct task_ctx {
	bool force_local;	/* select_cpu() found an idle CPU */
	u64 nr_enqueued;
};

struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct task_ctx);
} task_ctx_stor SEC(".maps");

/* Where each CPU is in its round over the levels. */
struct cpu_ctx {
	u32 level;
	u32 budget;	/* tasks still to take from `level` this round */
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, u32);
	__type(value, struct cpu_ctx);
} cpu_ctx_stor SEC(".maps");

/* Counters for user space: enqueued, dispatched, dequeued, lost pids. */
u64 nr_enqueued, nr_dispatched, nr_dequeued, nr_lost_pids, nr_overflow;

static u32 weight_to_level(u32 weight)
{
	if (fifo_mode)
		return 0;
	if (weight <= 25)
		return 0;
	if (weight <= 50)
		return 1;
	if (weight < 200)
		return 2;
	if (weight < 400)
		return 3;
	return 4;
}

static struct task_ctx *lookup_task_ctx(struct task_struct *p)
{
	struct task_ctx *tctx = bpf_task_storage_get(&task_ctx_stor, p, 0, 0);

	if (!tctx)
		scx_bpf_error("task_ctx lookup failed for pid %d", p->pid);
	return tctx;
}

s32 BPF_STRUCT_OPS(qmap_select_cpu, struct task_struct *p, s32 prev_cpu, u64 wake_flags)
{
	struct task_ctx *tctx = lookup_task_ctx(p);
	bool is_idle = false;
	s32 cpu;

	if (!tctx)
		return prev_cpu;
	cpu = scx_bpf_select_cpu_dfl(p, prev_cpu, wake_flags, &is_idle);
	tctx->force_local = is_idle;
	return cpu;
}

void BPF_STRUCT_OPS(qmap_enqueue, struct task_struct *p, u64 enq_flags)
{
	struct task_ctx *tctx = lookup_task_ctx(p);
	u32 pid = p->pid;
	int level;
	void *queue;

	if (!tctx)
		return;
	tctx->nr_enqueued++;
	__sync_fetch_and_add(&nr_enqueued, 1);

	if (tctx->force_local) {
		tctx->force_local = false;
		scx_bpf_dsq_insert(p, SCX_DSQ_LOCAL, slice_ns, enq_flags);
		return;
	}

	level = weight_to_level(p->scx.weight);
	queue = bpf_map_lookup_elem(&levels, &level);
	if (!queue) {
		scx_bpf_error("no queue for level %d", level);
		return;
	}

	/* A full queue must not lose the task: let the global DSQ have it. */
	if (bpf_map_push_elem(queue, &pid, 0)) {
		__sync_fetch_and_add(&nr_overflow, 1);
		scx_bpf_dsq_insert(p, SCX_DSQ_GLOBAL, slice_ns, enq_flags);
	}
}

void BPF_STRUCT_OPS(qmap_dequeue, struct task_struct *p, u64 deq_flags)
{
	/* The pid stays in its queue; dispatching it later is harmless
	 * because the core ignores an insert of a task it no longer owes us. */
	__sync_fetch_and_add(&nr_dequeued, 1);
}

void BPF_STRUCT_OPS(qmap_dispatch, s32 cpu, struct task_struct *prev)
{
	u32 zero = 0;
	struct cpu_ctx *cpuc = bpf_map_lookup_elem(&cpu_ctx_stor, &zero);
	struct task_struct *p;
	void *queue;
	u32 pid;
	int i, level;

	if (!cpuc) {
		scx_bpf_error("no cpu_ctx for cpu %d", cpu);
		return;
	}

	/* At most two rounds over the levels: enough to find a task in any
	 * non-empty level, bounded for the verifier. */
	bpf_for(i, 0, 2 * NR_LEVELS) {
		if (!cpuc->budget) {
			cpuc->level = (cpuc->level + 1) % NR_LEVELS;
			cpuc->budget = 1 << cpuc->level;
		}
		level = fifo_mode ? 0 : cpuc->level;
		queue = bpf_map_lookup_elem(&levels, &level);
		if (!queue) {
			scx_bpf_error("no queue for level %d", level);
			return;
		}
		if (bpf_map_pop_elem(queue, &pid)) {
			cpuc->budget = 0;	/* level empty: next one */
			continue;
		}
		p = bpf_task_from_pid(pid);
		if (!p) {
			__sync_fetch_and_add(&nr_lost_pids, 1);
			continue;
		}
		cpuc->budget--;
		__sync_fetch_and_add(&nr_dispatched, 1);
		/* A task pinned elsewhere (a per-CPU kthread) must not go to
		 * this CPU's local DSQ: Linux ejects the scheduler for it. The
		 * global DSQ lets a CPU it may run on take it. */
		if (bpf_cpumask_test_cpu(cpu, p->cpus_ptr))
			scx_bpf_dsq_insert(p, SCX_DSQ_LOCAL, slice_ns, 0);
		else
			scx_bpf_dsq_insert(p, SCX_DSQ_GLOBAL, slice_ns, 0);
		bpf_task_release(p);
		return;
	}
}

s32 BPF_STRUCT_OPS_SLEEPABLE(qmap_init_task, struct task_struct *p, struct scx_init_task_args *args)
{
	if (!bpf_task_storage_get(&task_ctx_stor, p, 0, BPF_LOCAL_STORAGE_GET_F_CREATE))
		return -ENOMEM;
	return 0;
}

void BPF_STRUCT_OPS(qmap_exit_task, struct task_struct *p, struct scx_exit_task_args *args)
{
	bpf_task_storage_delete(&task_ctx_stor, p);
}

void BPF_STRUCT_OPS(qmap_exit, struct scx_exit_info *ei)
{
	UEI_RECORD(uei, ei);
}

SCX_OPS_DEFINE(qmap_ops,
	       .select_cpu = (void *)qmap_select_cpu,
	       .enqueue = (void *)qmap_enqueue,
	       .dequeue = (void *)qmap_dequeue,
	       .dispatch = (void *)qmap_dispatch,
	       .init_task = (void *)qmap_init_task,
	       .exit_task = (void *)qmap_exit_task,
	       .exit = (void *)qmap_exit,
	       .timeout_ms = 5000U,
	       .name = "qmap");
