/* simple: one shared queue, weighted virtual time or FIFO.
 *
 * The behaviour of the kernel's scx_simple, in our own code. Every task
 * goes through one user DSQ (SHARED_DSQ). In the default mode the DSQ is
 * ordered by p->scx.dsq_vtime: a task's vtime advances by the slice it used,
 * scaled by 100 / weight, so heavier tasks get proportionally more CPU. With
 * `fifo_sched` set (a read-only global, set before load) the DSQ is a FIFO.
 *
 * A waking task that finds an idle CPU goes straight to that CPU's local DSQ.
 * The native twin src/policy/native/simple.cpp must make the same decisions
 * (tests compare their schedules); change both or neither.
 *
 * Capabilities: sched.load only.
 */
#include <scx/common.bpf.h>

char _license[] SEC("license") = "GPL";

const volatile bool fifo_sched;

/* The largest vtime of a task that started running: the class's "now" in
 * virtual time. */
static u64 vtime_now;

UEI_DEFINE(uei);

#define SHARED_DSQ 0

/* Per-CPU counters: [0] woken straight onto an idle CPU, [1] enqueued. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(key_size, sizeof(u32));
	__uint(value_size, sizeof(u64));
	__uint(max_entries, 2);
} stats SEC(".maps");

enum { STAT_LOCAL = 0, STAT_GLOBAL = 1 };

static void stat_inc(u32 idx)
{
	u64 *cnt = bpf_map_lookup_elem(&stats, &idx);

	if (cnt)
		(*cnt)++;
}

s32 BPF_STRUCT_OPS(simple_select_cpu, struct task_struct *p, s32 prev_cpu, u64 wake_flags)
{
	bool is_idle = false;
	s32 cpu;

	cpu = scx_bpf_select_cpu_dfl(p, prev_cpu, wake_flags, &is_idle);
	if (is_idle) {
		stat_inc(STAT_LOCAL);
		scx_bpf_dsq_insert(p, SCX_DSQ_LOCAL, SCX_SLICE_DFL, 0);
	}
	return cpu;
}

void BPF_STRUCT_OPS(simple_enqueue, struct task_struct *p, u64 enq_flags)
{
	u64 vtime;

	stat_inc(STAT_GLOBAL);

	if (fifo_sched) {
		scx_bpf_dsq_insert(p, SHARED_DSQ, SCX_SLICE_DFL, enq_flags);
		return;
	}

	/* A task that slept long must not come back with a huge credit: it
	 * may be at most one slice behind the class's virtual now. */
	vtime = p->scx.dsq_vtime;
	if (time_before(vtime, vtime_now - SCX_SLICE_DFL))
		vtime = vtime_now - SCX_SLICE_DFL;

	scx_bpf_dsq_insert_vtime(p, SHARED_DSQ, SCX_SLICE_DFL, vtime, enq_flags);
}

void BPF_STRUCT_OPS(simple_dispatch, s32 cpu, struct task_struct *prev)
{
	scx_bpf_dsq_move_to_local(SHARED_DSQ, 0);
}

void BPF_STRUCT_OPS(simple_running, struct task_struct *p)
{
	if (fifo_sched)
		return;

	/* Tasks start in vtime order, so the one starting now carries the
	 * class's current virtual time (or a smaller one after a direct
	 * insert, which must not move time backwards). */
	if (time_before(vtime_now, p->scx.dsq_vtime))
		vtime_now = p->scx.dsq_vtime;
}

void BPF_STRUCT_OPS(simple_stopping, struct task_struct *p, bool runnable)
{
	if (fifo_sched)
		return;

	/* Charge the slice actually used, inversely to the weight. */
	p->scx.dsq_vtime += (SCX_SLICE_DFL - p->scx.slice) * 100 / p->scx.weight;
}

void BPF_STRUCT_OPS(simple_enable, struct task_struct *p)
{
	p->scx.dsq_vtime = vtime_now;
}

s32 BPF_STRUCT_OPS_SLEEPABLE(simple_init)
{
	return scx_bpf_create_dsq(SHARED_DSQ, NUMA_NO_NODE);
}

void BPF_STRUCT_OPS(simple_exit, struct scx_exit_info *ei)
{
	UEI_RECORD(uei, ei);
}

SCX_OPS_DEFINE(simple_ops,
	       .select_cpu = (void *)simple_select_cpu,
	       .enqueue = (void *)simple_enqueue,
	       .dispatch = (void *)simple_dispatch,
	       .running = (void *)simple_running,
	       .stopping = (void *)simple_stopping,
	       .enable = (void *)simple_enable,
	       .init = (void *)simple_init,
	       .exit = (void *)simple_exit,
	       .name = "simple");
