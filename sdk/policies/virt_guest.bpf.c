/* virt_guest: a guest scheduler that tells its host what runs where, and
 * keeps latency-critical tasks off vCPUs the host flagged.
 *
 * simple's weighted vtime, plus the guest side of upsched/virt_hints.h
 * (docs/guest-host.md):
 *
 * - A task heavier than the default weight (nice < 0) is latency-critical.
 *   The vCPU that gets or runs one publishes UPSCHED_VCPU_LAT_CRITICAL and
 *   the task's deadline (when it became runnable + lat_deadline_ns), so the
 *   host (virt_host) runs that vCPU first, the nearest deadline of all VMs
 *   first; the others publish nothing (the guest kernel adds the spinlock
 *   bits itself).
 * - A vCPU that goes idle publishes UPSCHED_VCPU_IDLE (update_idle) until it
 *   runs a task again, so that a host whose vCPUs poll before they halt
 *   (halt polling) gives the CPU of an idle one to a vCPU that has work.
 * - A waking latency-critical task goes to a vCPU the host did not flag:
 *   an idle one first, else one that runs and is not about to be
 *   descheduled (UPSCHED_HOST_PREEMPTED, UPSCHED_HOST_DESCHED_SOON), where
 *   it preempts what runs; a task on a preempted vCPU waits for the host,
 *   one on a running vCPU does not. Among running vCPUs it takes the one
 *   that lost the least of the last steal window to steal
 *   (upsched_virt_steal_ns): the one the host starves least lately
 *   (steal_aware = false: the first).
 *
 * Capabilities: sched.load, sched.virt to load; its SCX_ENQ_PREEMPT inserts
 * need sched.kick at run time (a class without it is ejected at the first
 * one, as for scx_bpf_kick_cpu).
 */
#include <scx/common.bpf.h>
#include <upsched/virt_hints.h>

char _license[] SEC("license") = "GPL";

const volatile u64 slice_ns = 3000000;
const volatile u32 lat_weight = 100;	/* heavier than this: latency-critical */
const volatile u64 lat_deadline_ns = 1000000;	/* a latency-critical task's deadline, 0 = none */
const volatile u64 steal_window_ns = 4000000;	/* "recent" steal: this far back */
const volatile bool steal_aware = true;		/* prefer the vCPU least stolen from */

static u64 vtime_now;

UEI_DEFINE(uei);

#define SHARED_DSQ 0
#define FLAGGED (UPSCHED_HOST_PREEMPTED | UPSCHED_HOST_DESCHED_SOON)

u64 nr_placed, nr_moved_off_flagged, nr_steal_choices;

/* Per task: 1 + the vCPU select_cpu chose for it, 0 = none. enqueue reads
 * it rather than scx_bpf_task_cpu(p), which in upsched's core still names
 * the CPU the task last ran on during a wakeup (Linux sets the new CPU
 * before enqueue). */
struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, s32);
} chosen_cpu SEC(".maps");

/* Per vCPU: its steal time when last sampled, and the share of the window
 * before that it was stolen. */
struct steal_rec {
	u64 steal;
	u64 at;
	u64 pct;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(key_size, sizeof(u32));
	__uint(value_size, sizeof(struct steal_rec));
	__uint(max_entries, 1024);
} steal_seen SEC(".maps");

static bool lat_critical(struct task_struct *p)
{
	return p->scx.weight > lat_weight;
}

/* A latency-critical task's deadline, 0 = none (lat_deadline_ns = 0). */
static u64 deadline_of(struct task_struct *p)
{
	return lat_deadline_ns ? p->scx.runnable_at + lat_deadline_ns : 0;
}

/* The share (%) of the last steal window that vCPU cpu was runnable on the
 * host but not running, sampled at most once per window. */
static u64 recent_steal_pct(s32 cpu)
{
	u32 key = cpu;
	struct steal_rec *r = bpf_map_lookup_elem(&steal_seen, &key);
	u64 now = scx_bpf_now(), steal, pct = 0;

	if (!r)
		return 0;
	if (now - r->at < steal_window_ns)
		return r->pct;
	steal = UPSCHED_CALL_OR(0, upsched_virt_steal_ns, cpu);
	if (r->at && steal > r->steal)
		pct = (steal - r->steal) * 100 / (now - r->at);
	r->steal = steal;
	r->at = now;
	r->pct = pct;
	return pct;
}

static bool flagged(s32 cpu)
{
	return (UPSCHED_CALL_OR(0, upsched_virt_host_flags, cpu) & FLAGGED) != 0;
}

/* An idle vCPU the host did not flag, else the running one it did not flag
 * that lost the least to steal lately, else the default choice. */
static s32 pick_vcpu(struct task_struct *p, s32 prev, bool *is_idle)
{
	s32 nr = scx_bpf_nr_cpu_ids();
	s32 dfl, cpu;
	u64 pick = 1024;	/* 64-bit: bounds the verifier can see */
	u64 first = 1024, least = ~0ULL, stolen;

	dfl = scx_bpf_select_cpu_dfl(p, prev, 0, is_idle);
	if (*is_idle && !flagged(dfl))
		return dfl;
	*is_idle = false;
	bpf_for(cpu, 0, nr) {
		if (flagged(cpu))
			continue;
		if (scx_bpf_test_and_clear_cpu_idle(cpu)) {
			*is_idle = true;
			pick = cpu;
			break;
		}
		if (first >= 1024)
			first = cpu;
		stolen = steal_aware ? recent_steal_pct(cpu) : 0;
		if (stolen < least) {
			least = stolen;
			pick = cpu;
		}
	}
	if (pick >= 1024) {
		*is_idle = false;
		pick = dfl;
	} else if (!*is_idle && pick != first) {
		__sync_fetch_and_add(&nr_steal_choices, 1);
	}
	/* A CPU already; the mask tells the verifier, which loses the bounds
	 * of dfl spilled to the stack as 32 bits. */
	return pick & 1023;
}

s32 BPF_STRUCT_OPS(virt_guest_select_cpu, struct task_struct *p, s32 prev_cpu, u64 wake_flags)
{
	bool is_idle = false;
	s32 *chosen;
	s32 cpu;

	if (!lat_critical(p)) {
		cpu = scx_bpf_select_cpu_dfl(p, prev_cpu, wake_flags, &is_idle);
		if (is_idle)
			scx_bpf_dsq_insert(p, SCX_DSQ_LOCAL, slice_ns, 0);
		return cpu;
	}
	cpu = pick_vcpu(p, prev_cpu, &is_idle);
	chosen = bpf_task_storage_get(&chosen_cpu, p, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (chosen)
		*chosen = cpu + 1;
	if (cpu != prev_cpu && flagged(prev_cpu))
		__sync_fetch_and_add(&nr_moved_off_flagged, 1);
	UPSCHED_CALL_IF(upsched_virt_publish, cpu, UPSCHED_VCPU_LAT_CRITICAL, deadline_of(p));
	if (is_idle)
		scx_bpf_dsq_insert(p, SCX_DSQ_LOCAL, slice_ns, 0);
	return cpu;
}

void BPF_STRUCT_OPS(virt_guest_enqueue, struct task_struct *p, u64 enq_flags)
{
	u64 vtime = p->scx.dsq_vtime;
	s32 *chosen;
	s32 cpu;

	if (lat_critical(p)) {
		/* On the vCPU select_cpu chose: ahead of what runs there. */
		chosen = bpf_task_storage_get(&chosen_cpu, p, 0, 0);
		cpu = chosen && *chosen > 0 && *chosen <= 1024 ? *chosen - 1 : scx_bpf_task_cpu(p);
		if (chosen)
			*chosen = 0;
		__sync_fetch_and_add(&nr_placed, 1);
		UPSCHED_CALL_IF(upsched_virt_publish, cpu, UPSCHED_VCPU_LAT_CRITICAL, deadline_of(p));
		scx_bpf_dsq_insert(p, SCX_DSQ_LOCAL_ON | cpu, slice_ns, enq_flags | SCX_ENQ_PREEMPT);
		return;
	}
	if (time_before(vtime, vtime_now - slice_ns))
		vtime = vtime_now - slice_ns;
	scx_bpf_dsq_insert_vtime(p, SHARED_DSQ, slice_ns, vtime, enq_flags);
}

void BPF_STRUCT_OPS(virt_guest_dispatch, s32 cpu, struct task_struct *prev)
{
	scx_bpf_dsq_move_to_local(SHARED_DSQ, 0);
}

void BPF_STRUCT_OPS(virt_guest_running, struct task_struct *p)
{
	if (time_before(vtime_now, p->scx.dsq_vtime))
		vtime_now = p->scx.dsq_vtime;
	if (lat_critical(p))
		UPSCHED_CALL_IF(upsched_virt_publish, scx_bpf_task_cpu(p), UPSCHED_VCPU_LAT_CRITICAL, deadline_of(p));
	else
		UPSCHED_CALL_IF(upsched_virt_publish, scx_bpf_task_cpu(p), 0, 0);
}

void BPF_STRUCT_OPS(virt_guest_stopping, struct task_struct *p, bool runnable)
{
	if (lat_critical(p))
		UPSCHED_CALL_IF(upsched_virt_publish, scx_bpf_task_cpu(p), 0, 0);
	if (p->scx.slice <= slice_ns)
		p->scx.dsq_vtime += (slice_ns - p->scx.slice) * 100 / p->scx.weight;
}

/* Going idle: say so until a task runs here (running() publishes it).
 * Leaving idle publishes nothing: select_cpu may have published a waking
 * latency-critical task for this vCPU. */
void BPF_STRUCT_OPS(virt_guest_update_idle, s32 cpu, bool idle)
{
	if (idle)
		UPSCHED_CALL_IF(upsched_virt_publish, cpu, UPSCHED_VCPU_IDLE, 0);
}

void BPF_STRUCT_OPS(virt_guest_enable, struct task_struct *p)
{
	p->scx.dsq_vtime = vtime_now;
}

s32 BPF_STRUCT_OPS_SLEEPABLE(virt_guest_init)
{
	return scx_bpf_create_dsq(SHARED_DSQ, NUMA_NO_NODE);
}

void BPF_STRUCT_OPS(virt_guest_exit, struct scx_exit_info *ei)
{
	UEI_RECORD(uei, ei);
}

SCX_OPS_DEFINE(virt_guest_ops,
	       .select_cpu = (void *)virt_guest_select_cpu,
	       .enqueue = (void *)virt_guest_enqueue,
	       .dispatch = (void *)virt_guest_dispatch,
	       .running = (void *)virt_guest_running,
	       .stopping = (void *)virt_guest_stopping,
	       .update_idle = (void *)virt_guest_update_idle,
	       .enable = (void *)virt_guest_enable,
	       .init = (void *)virt_guest_init,
	       .exit = (void *)virt_guest_exit,
	       .flags = SCX_OPS_KEEP_BUILTIN_IDLE,
	       .name = "virt_guest");
