/* lock_boost: simple's weighted vtime, but a lock holder that others wait
 * for goes first.
 *
 * A task preempted while it holds a lock keeps everyone waiting for that
 * lock waiting too, behind whatever else the vtime order puts first (a
 * low-weight holder behind every heavier task). The core knows who holds
 * which lock (upsched/locks.h):
 * - a holder that others wait for when it is enqueued goes to BOOST_DSQ,
 *   which every CPU drains before the shared vtime DSQ;
 * - one that was queued before anyone waited for it (the usual case: it was
 *   preempted with the lock, then a waiter came) is found in the shared DSQ
 *   and run first all the same;
 * - at the tick, a CPU that runs a task nobody waits for gives way when such
 *   a holder waits for a CPU, so the lock changes hands within a tick rather
 *   than after the slices of everything queued before the holder.
 * Everything else is as in simple.bpf.c.
 *
 * Capabilities: sched.load, sched.locks.
 */
#include <scx/common.bpf.h>
#include <upsched/locks.h>

char _license[] SEC("license") = "GPL";

static u64 vtime_now;

UEI_DEFINE(uei);

#define SHARED_DSQ 0
#define BOOST_DSQ 1
#define MAX_SCAN 32

u64 nr_boosted, nr_found_queued, nr_tick_preempts;

static bool waited_for(struct task_struct *p)
{
	return UPSCHED_CALL_OR(0, upsched_task_lock_waiters, p) > 0;
}

/* A holder others wait for, queued in the shared DSQ: moved to this CPU
 * (move), or only whether there is one. */
static bool queued_holder(bool move)
{
	struct task_struct *p;
	int budget = MAX_SCAN;

	bpf_for_each(scx_dsq, p, SHARED_DSQ, 0) {
		if (--budget < 0)
			break;
		if (!waited_for(p))
			continue;
		if (!move)
			return true;
		if (scx_bpf_dsq_move(BPF_FOR_EACH_ITER, p, SCX_DSQ_LOCAL, 0)) {
			__sync_fetch_and_add(&nr_found_queued, 1);
			return true;
		}
	}
	return false;
}

s32 BPF_STRUCT_OPS(lock_boost_select_cpu, struct task_struct *p, s32 prev_cpu, u64 wake_flags)
{
	bool is_idle = false;
	s32 cpu;

	cpu = scx_bpf_select_cpu_dfl(p, prev_cpu, wake_flags, &is_idle);
	if (is_idle)
		scx_bpf_dsq_insert(p, SCX_DSQ_LOCAL, SCX_SLICE_DFL, 0);
	return cpu;
}

void BPF_STRUCT_OPS(lock_boost_enqueue, struct task_struct *p, u64 enq_flags)
{
	u64 vtime;

	if (waited_for(p)) {
		__sync_fetch_and_add(&nr_boosted, 1);
		scx_bpf_dsq_insert(p, BOOST_DSQ, SCX_SLICE_DFL, enq_flags);
		return;
	}

	vtime = p->scx.dsq_vtime;
	if (time_before(vtime, vtime_now - SCX_SLICE_DFL))
		vtime = vtime_now - SCX_SLICE_DFL;
	scx_bpf_dsq_insert_vtime(p, SHARED_DSQ, SCX_SLICE_DFL, vtime, enq_flags);
}

void BPF_STRUCT_OPS(lock_boost_dispatch, s32 cpu, struct task_struct *prev)
{
	if (scx_bpf_dsq_move_to_local(BOOST_DSQ, 0) || queued_holder(true))
		return;
	scx_bpf_dsq_move_to_local(SHARED_DSQ, 0);
}

void BPF_STRUCT_OPS(lock_boost_tick, struct task_struct *p)
{
	if (waited_for(p))
		return;
	if (scx_bpf_dsq_nr_queued(BOOST_DSQ) > 0 || queued_holder(false)) {
		__sync_fetch_and_add(&nr_tick_preempts, 1);
		p->scx.slice = 0;
	}
}

void BPF_STRUCT_OPS(lock_boost_running, struct task_struct *p)
{
	if (time_before(vtime_now, p->scx.dsq_vtime))
		vtime_now = p->scx.dsq_vtime;
}

void BPF_STRUCT_OPS(lock_boost_stopping, struct task_struct *p, bool runnable)
{
	p->scx.dsq_vtime += (SCX_SLICE_DFL - p->scx.slice) * 100 / p->scx.weight;
}

void BPF_STRUCT_OPS(lock_boost_enable, struct task_struct *p)
{
	p->scx.dsq_vtime = vtime_now;
}

s32 BPF_STRUCT_OPS_SLEEPABLE(lock_boost_init)
{
	s32 ret = scx_bpf_create_dsq(SHARED_DSQ, NUMA_NO_NODE);

	if (ret)
		return ret;
	return scx_bpf_create_dsq(BOOST_DSQ, NUMA_NO_NODE);
}

void BPF_STRUCT_OPS(lock_boost_exit, struct scx_exit_info *ei)
{
	UEI_RECORD(uei, ei);
}

SCX_OPS_DEFINE(lock_boost_ops,
	       .select_cpu = (void *)lock_boost_select_cpu,
	       .enqueue = (void *)lock_boost_enqueue,
	       .dispatch = (void *)lock_boost_dispatch,
	       .tick = (void *)lock_boost_tick,
	       .running = (void *)lock_boost_running,
	       .stopping = (void *)lock_boost_stopping,
	       .enable = (void *)lock_boost_enable,
	       .init = (void *)lock_boost_init,
	       .exit = (void *)lock_boost_exit,
	       .name = "lock_boost");
