/* central: one CPU makes every scheduling decision.
 *
 * In the manner of the kernel's scx_central, in our own code. Every waking
 * task is steered to the central CPU (select_cpu returns it), and enqueue()
 * keeps its pid in one BPF queue. The central CPU, in its dispatch(), hands
 * queued tasks to the CPUs that asked for work, straight into their local
 * DSQs (SCX_DSQ_LOCAL_ON | cpu). Other CPUs never choose: when they run dry
 * they raise their hand (cpu_gimme_task) and kick the central CPU.
 *
 * Tasks run with infinite slices (no tick needed). A BPF timer on the
 * central CPU fires every TIMER_INTERVAL_NS and preempts any CPU whose task
 * has run for slice_ns while others wait: time sharing without ticks. The
 * central CPU's first dispatch() starts the timer, so that
 * BPF_F_TIMER_CPU_PIN pins it there: started from init() it would be pinned
 * to whichever CPU the loader happened to run on, as in Linux's
 * scx_central.
 * Per-CPU kernel threads are put at the head of their CPU's local DSQ.
 *
 * SCX_OPS_ENQ_LAST: a CPU's last runnable task is handed back to enqueue()
 * instead of running on, so that the central CPU stays the one that decides.
 *
 * Capabilities: sched.load, sched.kick (kicks and preempts), sched.timer.
 */
#include <scx/common.bpf.h>

char _license[] SEC("license") = "GPL";

enum {
	FALLBACK_DSQ_ID = 0,
	MAX_CPUS = 1024,
	QUEUE_DEPTH = 4096,
	TIMER_INTERVAL_NS = 1000000,	/* 1 ms */
};

const volatile s32 central_cpu;
const volatile u64 slice_ns = SCX_SLICE_DFL;

UEI_DEFINE(uei);

u64 nr_total, nr_locals, nr_queued, nr_lost_pids, nr_timers, nr_dispatches,
	nr_mismatches, nr_overflows;

struct {
	__uint(type, BPF_MAP_TYPE_QUEUE);
	__uint(max_entries, QUEUE_DEPTH);
	__type(value, s32);
} central_q SEC(".maps");

/* A CPU wants a task from the central CPU. */
bool cpu_gimme_task[MAX_CPUS];
/* When the current task of each CPU started (0 = none running). */
u64 cpu_started_at[MAX_CPUS];

struct central_timer {
	struct bpf_timer timer;
};

/* The timer runs, started by the central CPU's dispatch(). */
bool timer_started;
/* BPF_F_TIMER_CPU_PIN where the host supports pinning, else 0. */
/* Global, not static: clang shrinks a static that only ever holds two
 * values to a 1-byte .bss variable but keeps its u64 type in the BTF, and
 * Linux refuses such BTF ("Invalid size"), hence the whole object. */
u64 timer_start_flags = BPF_F_TIMER_CPU_PIN;

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, u32);
	__type(value, struct central_timer);
} central_timer SEC(".maps");

s32 BPF_STRUCT_OPS(central_select_cpu, struct task_struct *p, s32 prev_cpu, u64 wake_flags)
{
	/* Wake everything on the central CPU, where decisions are made. */
	return central_cpu;
}

void BPF_STRUCT_OPS(central_enqueue, struct task_struct *p, u64 enq_flags)
{
	s32 pid = p->pid;

	__sync_fetch_and_add(&nr_total, 1);

	/* A per-CPU kernel thread cannot go anywhere else, and usually has
	 * short urgent work: run it now, ahead of its CPU's current task. */
	if ((p->flags & PF_KTHREAD) && p->nr_cpus_allowed == 1) {
		__sync_fetch_and_add(&nr_locals, 1);
		scx_bpf_dsq_insert(p, SCX_DSQ_LOCAL, SCX_SLICE_INF,
				   enq_flags | SCX_ENQ_PREEMPT);
		return;
	}

	if (bpf_map_push_elem(&central_q, &pid, 0)) {
		__sync_fetch_and_add(&nr_overflows, 1);
		scx_bpf_dsq_insert(p, FALLBACK_DSQ_ID, SCX_SLICE_INF, enq_flags);
		return;
	}

	__sync_fetch_and_add(&nr_queued, 1);

	if (!scx_bpf_task_running(p))
		scx_bpf_kick_cpu(central_cpu, SCX_KICK_PREEMPT);
}

/* Give `cpu` the next queued task that may run there. Tasks that may not
 * run on it go to the fallback DSQ, which every CPU drains itself. */
static bool dispatch_to_cpu(s32 cpu)
{
	struct task_struct *p;
	s32 pid, idle;

	bpf_repeat(QUEUE_DEPTH) {
		if (bpf_map_pop_elem(&central_q, &pid))
			break;

		__sync_fetch_and_sub(&nr_queued, 1);

		p = bpf_task_from_pid(pid);
		if (!p) {
			__sync_fetch_and_add(&nr_lost_pids, 1);
			continue;
		}

		if (!bpf_cpumask_test_cpu(cpu, p->cpus_ptr)) {
			__sync_fetch_and_add(&nr_mismatches, 1);
			scx_bpf_dsq_insert(p, FALLBACK_DSQ_ID, SCX_SLICE_INF, 0);
			/* The fallback DSQ is drained by any CPU that runs dry;
			 * wake an idle one this task may use. */
			idle = scx_bpf_pick_idle_cpu(p->cpus_ptr, 0);
			bpf_task_release(p);
			if (idle >= 0)
				scx_bpf_kick_cpu(idle, SCX_KICK_IDLE);
			continue;
		}

		scx_bpf_dsq_insert(p, SCX_DSQ_LOCAL_ON | cpu, SCX_SLICE_INF, 0);
		if (cpu != central_cpu)
			scx_bpf_kick_cpu(cpu, SCX_KICK_IDLE);
		bpf_task_release(p);
		return true;
	}
	return false;
}

/* Arm the timer from the central CPU, pinned to it where the host can pin. */
static void start_central_timer(void)
{
	struct bpf_timer *timer;
	u32 key = 0;
	s32 ret;

	if (timer_started)
		return;
	timer = bpf_map_lookup_elem(&central_timer, &key);
	if (!timer) {
		scx_bpf_error("central: no timer");
		return;
	}
	ret = bpf_timer_start(timer, TIMER_INTERVAL_NS, BPF_F_TIMER_CPU_PIN);
	if (ret == -EINVAL) {
		timer_start_flags = 0;
		ret = bpf_timer_start(timer, TIMER_INTERVAL_NS, 0);
	}
	if (ret) {
		scx_bpf_error("central: bpf_timer_start failed (%d)", ret);
		return;
	}
	timer_started = true;
}

void BPF_STRUCT_OPS(central_dispatch, s32 cpu, struct task_struct *prev)
{
	s32 nr_cpus = scx_bpf_nr_cpu_ids();
	bool *gimme;
	s32 i;

	if (cpu == central_cpu) {
		start_central_timer();
		__sync_fetch_and_add(&nr_dispatches, 1);

		/* Serve every CPU that asked, then take one for ourselves. */
		bpf_for(i, 0, nr_cpus) {
			if (i == central_cpu)
				continue;
			gimme = MEMBER_VPTR(cpu_gimme_task, [i]);
			if (!gimme || !*gimme)
				continue;
			if (dispatch_to_cpu(i))
				*gimme = false;
			if (!scx_bpf_dispatch_nr_slots())
				return;
		}

		if (scx_bpf_dsq_move_to_local(FALLBACK_DSQ_ID, 0))
			return;
		dispatch_to_cpu(central_cpu);
		return;
	}

	if (scx_bpf_dsq_move_to_local(FALLBACK_DSQ_ID, 0))
		return;

	gimme = MEMBER_VPTR(cpu_gimme_task, [cpu]);
	if (gimme)
		*gimme = true;

	/* Ask the central CPU to run its dispatch() now. */
	scx_bpf_kick_cpu(central_cpu, SCX_KICK_PREEMPT);
}

void BPF_STRUCT_OPS(central_running, struct task_struct *p)
{
	s32 cpu = scx_bpf_task_cpu(p);
	u64 *started_at = MEMBER_VPTR(cpu_started_at, [cpu]);

	if (started_at)
		*started_at = scx_bpf_now() ?: 1;	/* 0 means idle */
}

void BPF_STRUCT_OPS(central_stopping, struct task_struct *p, bool runnable)
{
	s32 cpu = scx_bpf_task_cpu(p);
	u64 *started_at = MEMBER_VPTR(cpu_started_at, [cpu]);

	if (started_at)
		*started_at = 0;
}

/* Every TIMER_INTERVAL_NS: preempt the CPUs whose task used its slice while
 * others wait, then re-arm. */
static int central_timerfn(void *map, int *key, struct bpf_timer *timer)
{
	u64 now = scx_bpf_now();
	s32 nr_cpus = scx_bpf_nr_cpu_ids();
	bool work_waiting;
	s32 i;

	if (timer_start_flags && bpf_get_smp_processor_id() != central_cpu) {
		scx_bpf_error("central: timer ran on CPU %d, not on the central CPU %d",
			      bpf_get_smp_processor_id(), central_cpu);
		return 0;
	}

	work_waiting = nr_queued > 0 || scx_bpf_dsq_nr_queued(FALLBACK_DSQ_ID) > 0;

	bpf_for(i, 0, nr_cpus) {
		u64 *started_at = MEMBER_VPTR(cpu_started_at, [i]);

		if (i == central_cpu || !started_at || !*started_at)
			continue;
		if (now - *started_at < slice_ns)
			continue;
		if (work_waiting || scx_bpf_dsq_nr_queued(SCX_DSQ_LOCAL_ON | i) > 0)
			scx_bpf_kick_cpu(i, SCX_KICK_PREEMPT);
	}

	/* The central CPU itself runs with an infinite slice too. */
	if (work_waiting)
		scx_bpf_kick_cpu(central_cpu, SCX_KICK_PREEMPT);

	__sync_fetch_and_add(&nr_timers, 1);
	bpf_timer_start(timer, TIMER_INTERVAL_NS, timer_start_flags);
	return 0;
}

s32 BPF_STRUCT_OPS_SLEEPABLE(central_init)
{
	const struct cpumask *possible;
	u32 key = 0;
	struct bpf_timer *timer;
	bool central_ok;
	s32 ret;

	/* The central CPU must be one this class may use. */
	possible = scx_bpf_get_possible_cpumask();
	central_ok = bpf_cpumask_test_cpu(central_cpu, possible);
	scx_bpf_put_cpumask(possible);
	if (!central_ok)
		return -EINVAL;

	ret = scx_bpf_create_dsq(FALLBACK_DSQ_ID, NUMA_NO_NODE);
	if (ret)
		return ret;

	timer = bpf_map_lookup_elem(&central_timer, &key);
	if (!timer)
		return -ESRCH;

	bpf_timer_init(timer, &central_timer, 1 /* CLOCK_MONOTONIC */);
	bpf_timer_set_callback(timer, central_timerfn);

	/* Have the central CPU dispatch (and start the timer) now. */
	scx_bpf_kick_cpu(central_cpu, 0);
	return 0;
}

void BPF_STRUCT_OPS(central_exit, struct scx_exit_info *ei)
{
	UEI_RECORD(uei, ei);
}

SCX_OPS_DEFINE(central_ops,
	       .select_cpu = (void *)central_select_cpu,
	       .enqueue = (void *)central_enqueue,
	       .dispatch = (void *)central_dispatch,
	       .running = (void *)central_running,
	       .stopping = (void *)central_stopping,
	       .init = (void *)central_init,
	       .exit = (void *)central_exit,
	       .flags = SCX_OPS_ENQ_LAST,
	       .name = "central");
