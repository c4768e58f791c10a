/* faas_event: give the CPU to function runtimes that have work.
 *
 * The serverless case (docs/faas.md). A function runtime that waits for its
 * next request keeps running: it polls, or does housekeeping. On a busy
 * server that time is taken from functions that have requests to serve.
 * upsched's core knows which event each task waits for, and this policy
 * reads it through the upsched event-wait extension (upsched/events.h,
 * capability sched.events):
 *
 * 1. A runnable task that is only polling an event that has not fired
 *    ("idle-polling") is parked in PARK_DSQ. Parked tasks get no CPU while
 *    any other task of the class is ready. They are not starved: a parked
 *    task may run for park_slice_ns once every park_interval_ns when a CPU
 *    has nothing else to do, and one that has not run for park_max_wait_ns
 *    runs park_slice_ns even when others are ready (a runtime may poll in
 *    vain for longer than the watchdog's timeout when the server is
 *    overcommitted many times over).
 * 2. When its event fires the runtime has work: the first CPU to dispatch
 *    moves it from PARK_DSQ to FIRED_DSQ, which every CPU serves before
 *    READY_DSQ, for one slice (then it is an ordinary job), and a CPU
 *    running an idle-polling task gives it up at the next tick when work is
 *    waiting. So a fired runtime waits about one slice_ns whatever the load:
 *    jobs that were preempted, however early their deadline, do not stay
 *    ahead of it. The boost is bounded: one slice per fired event.
 * 3. READY_DSQ is earliest-deadline-first. A job's deadline is the time it
 *    became ready plus base_deadline_ns * 100 / weight. The chain position
 *    reaches the policy as the weight: the FaaS workload gives later stages
 *    of a chain more weight, so work that earlier stages already paid for
 *    finishes first and requests leave the chain sooner. With equal weights
 *    this is first-ready, first-served. A job that used up its slice past
 *    its deadline goes back with the deadline "now": still ahead of jobs
 *    that became ready since, but no longer ahead of every job that will
 *    become ready in the next hundreds of ms (a 700 ms extract would be).
 *
 * SCX_OPS_ENQ_LAST: a CPU's last runnable task comes back through enqueue()
 * instead of being kept, so an idle-polling runtime cannot hold a CPU just
 * because nothing else is queued there.
 *
 * Capabilities: sched.load, sched.events.
 */
#include <scx/common.bpf.h>
#include <upsched/events.h>

char _license[] SEC("license") = "GPL";

#define READY_DSQ 0
#define PARK_DSQ 1
#define FIRED_DSQ 2
/* Parked runtimes one scan looks at (see rescue_fired). */
#define MAX_RESCUES 128

const volatile u64 slice_ns = 1000000;			/* 1 ms */
const volatile u64 base_deadline_ns = 10000000;		/* weight 100: 10 ms */
const volatile u64 park_slice_ns = 200000;		/* 200 us */
const volatile u64 park_interval_ns = 100000000;	/* 100 ms */
const volatile u64 park_max_wait_ns = 1000000000;	/* 1 s */

UEI_DEFINE(uei);

struct task_ctx {
	u64 deadline;		/* absolute deadline of the current job */
	u64 last_park_run;	/* when it last ran while parked, or was parked */
	u64 last_scan;		/* when rescue_fired last looked at it */
	bool parked;
};

struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct task_ctx);
} task_ctx_stor SEC(".maps");

u64 nr_parked, nr_rescued, nr_park_runs, nr_yielded;
u64 last_rescue_scan;	/* when PARK_DSQ was last scanned for fired runtimes */

static u64 new_deadline(struct task_struct *p, u64 now)
{
	u32 weight = p->scx.weight ?: 1;

	return now + base_deadline_ns * 100 / weight;
}

s32 BPF_STRUCT_OPS(faas_select_cpu, struct task_struct *p, s32 prev_cpu, u64 wake_flags)
{
	bool is_idle = false;
	s32 cpu;

	cpu = scx_bpf_select_cpu_dfl(p, prev_cpu, wake_flags, &is_idle);
	/* An idle CPU runs a woken task at once, unless all it would do is
	 * poll. */
	if (is_idle && !upsched_task_is_idle_polling(p))
		scx_bpf_dsq_insert(p, SCX_DSQ_LOCAL, slice_ns, 0);
	return cpu;
}

void BPF_STRUCT_OPS(faas_enqueue, struct task_struct *p, u64 enq_flags)
{
	struct task_ctx *tctx = bpf_task_storage_get(&task_ctx_stor, p, 0, 0);
	u64 now = scx_bpf_now();

	if (!tctx) {
		scx_bpf_error("faas_event: no task storage for pid %d", p->pid);
		return;
	}

	if (upsched_task_is_idle_polling(p)) {
		if (!tctx->parked)
			tctx->last_park_run = now;
		tctx->parked = true;
		__sync_fetch_and_add(&nr_parked, 1);
		scx_bpf_dsq_insert(p, PARK_DSQ, park_slice_ns, enq_flags & ~SCX_ENQ_LAST);
		return;
	}

	/* A new job: woken, back from the park, or never seen. A preempted
	 * task keeps the deadline of the job it is running. */
	if ((enq_flags & SCX_ENQ_WAKEUP) || tctx->parked || !tctx->deadline)
		tctx->deadline = new_deadline(p, now);
	else if (p->scx.slice == 0 && tctx->deadline < now)
		tctx->deadline = now;
	tctx->parked = false;

	/* The last task of a CPU that has work: keep running it there. */
	if (enq_flags & SCX_ENQ_LAST) {
		scx_bpf_dsq_insert(p, SCX_DSQ_LOCAL, slice_ns, enq_flags);
		return;
	}

	scx_bpf_dsq_insert_vtime(p, READY_DSQ, slice_ns, tctx->deadline, enq_flags);
}

/* Move parked tasks whose event fired to FIRED_DSQ. One scan looks at up
 * to MAX_RESCUES runtimes from the head of PARK_DSQ and sends those still
 * polling in vain to its tail, so the next scan looks at the ones behind
 * them: with many runtimes parked, a fired one is still found within a few
 * scans, not left behind the same idle pollers forever. A runtime is sent
 * back at most once per instant, so a CPU with nothing to run, whose
 * dispatch() is called again after each move, sees every parked runtime
 * once and then stops. A CPU that has other work to run scans at most once
 * per slice_ns: scans cost a look per parked runtime. A scan also lets one
 * runtime that has been parked without running for park_max_wait_ns run
 * park_slice_ns here. */
static void rescue_fired(u64 now)
{
	struct task_struct *p;
	int budget = MAX_RESCUES;
	bool overdue_ran = false;
	bool has_work;

	if (scx_bpf_dsq_nr_queued(PARK_DSQ) <= 0)
		return;
	has_work = scx_bpf_dsq_nr_queued(FIRED_DSQ) > 0 || scx_bpf_dsq_nr_queued(READY_DSQ) > 0;
	if (has_work && now - last_rescue_scan < slice_ns)
		return;
	last_rescue_scan = now;

	bpf_for_each(scx_dsq, p, PARK_DSQ, 0) {
		struct task_ctx *tctx;

		if (--budget < 0)
			break;
		tctx = bpf_task_storage_get(&task_ctx_stor, p, 0, 0);
		if (!tctx)
			continue;
		if (upsched_task_is_idle_polling(p)) {
			if (!overdue_ran && now - tctx->last_park_run >= park_max_wait_ns) {
				scx_bpf_dsq_move_set_slice(BPF_FOR_EACH_ITER, park_slice_ns);
				if (scx_bpf_dsq_move(BPF_FOR_EACH_ITER, p, SCX_DSQ_LOCAL, 0)) {
					tctx->last_park_run = now;
					overdue_ran = true;
					__sync_fetch_and_add(&nr_park_runs, 1);
				}
				continue;
			}
			if (tctx->last_scan != now) {
				tctx->last_scan = now;
				scx_bpf_dsq_move(BPF_FOR_EACH_ITER, p, PARK_DSQ, 0);
			}
			continue;
		}
		tctx->deadline = new_deadline(p, now);
		tctx->parked = false;
		scx_bpf_dsq_move_set_slice(BPF_FOR_EACH_ITER, slice_ns);
		if (scx_bpf_dsq_move(BPF_FOR_EACH_ITER, p, FIRED_DSQ, 0))
			__sync_fetch_and_add(&nr_rescued, 1);
	}
}

/* Nothing is ready: let one parked task that has not run for a while poll
 * briefly, so none waits longer than park_interval_ns. */
static void run_one_parked(u64 now)
{
	struct task_struct *p;
	int budget = MAX_RESCUES;

	bpf_for_each(scx_dsq, p, PARK_DSQ, 0) {
		struct task_ctx *tctx;

		if (--budget < 0)
			break;
		tctx = bpf_task_storage_get(&task_ctx_stor, p, 0, 0);
		if (!tctx || now - tctx->last_park_run < park_interval_ns)
			continue;
		scx_bpf_dsq_move_set_slice(BPF_FOR_EACH_ITER, park_slice_ns);
		if (scx_bpf_dsq_move(BPF_FOR_EACH_ITER, p, SCX_DSQ_LOCAL, 0)) {
			tctx->last_park_run = now;
			__sync_fetch_and_add(&nr_park_runs, 1);
			break;
		}
	}
}

void BPF_STRUCT_OPS(faas_dispatch, s32 cpu, struct task_struct *prev)
{
	u64 now = scx_bpf_now();

	rescue_fired(now);
	if (scx_bpf_dsq_move_to_local(FIRED_DSQ, 0))
		return;
	if (scx_bpf_dsq_move_to_local(READY_DSQ, 0))
		return;
	run_one_parked(now);
}

void BPF_STRUCT_OPS(faas_tick, struct task_struct *p)
{
	/* A runtime that polls in vain gives way as soon as work is ready. */
	if ((scx_bpf_dsq_nr_queued(READY_DSQ) > 0 || scx_bpf_dsq_nr_queued(FIRED_DSQ) > 0) &&
	    upsched_task_is_idle_polling(p)) {
		__sync_fetch_and_add(&nr_yielded, 1);
		scx_bpf_task_set_slice(p, 0);
	}
}

s32 BPF_STRUCT_OPS_SLEEPABLE(faas_init_task, struct task_struct *p, struct scx_init_task_args *args)
{
	if (!bpf_task_storage_get(&task_ctx_stor, p, 0, BPF_LOCAL_STORAGE_GET_F_CREATE))
		return -ENOMEM;
	return 0;
}

void BPF_STRUCT_OPS(faas_exit_task, struct task_struct *p, struct scx_exit_task_args *args)
{
	bpf_task_storage_delete(&task_ctx_stor, p);
}

s32 BPF_STRUCT_OPS_SLEEPABLE(faas_init)
{
	s32 ret = scx_bpf_create_dsq(READY_DSQ, NUMA_NO_NODE);

	if (ret)
		return ret;
	ret = scx_bpf_create_dsq(FIRED_DSQ, NUMA_NO_NODE);
	if (ret)
		return ret;
	return scx_bpf_create_dsq(PARK_DSQ, NUMA_NO_NODE);
}

void BPF_STRUCT_OPS(faas_exit, struct scx_exit_info *ei)
{
	UEI_RECORD(uei, ei);
}

SCX_OPS_DEFINE(faas_event_ops,
	       .select_cpu = (void *)faas_select_cpu,
	       .enqueue = (void *)faas_enqueue,
	       .dispatch = (void *)faas_dispatch,
	       .tick = (void *)faas_tick,
	       .init_task = (void *)faas_init_task,
	       .exit_task = (void *)faas_exit_task,
	       .init = (void *)faas_init,
	       .exit = (void *)faas_exit,
	       .flags = SCX_OPS_ENQ_LAST,
	       .timeout_ms = 30000U,
	       .name = "faas_event");
