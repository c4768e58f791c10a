/* virt_guest: a guest scheduler that tells its host what runs where, and
 * keeps latency-critical tasks off vCPUs the host flagged.
 *
 * simple's weighted vtime, plus the guest side of upsched/virt_hints.h
 * (docs/guest-host.md):
 *
 * - A task heavier than the default weight (nice < 0) is latency-critical.
 *   The vCPU that gets or runs one publishes UPSCHED_VCPU_LAT_CRITICAL, so
 *   the host (virt_host) runs that vCPU first; the others publish nothing
 *   (the guest kernel adds the spinlock bits itself).
 * - A waking latency-critical task goes to a vCPU the host did not flag:
 *   an idle one first, else one that runs and is not about to be
 *   descheduled (UPSCHED_HOST_PREEMPTED, UPSCHED_HOST_DESCHED_SOON), where
 *   it preempts what runs; a task on a preempted vCPU waits for the host,
 *   one on a running vCPU does not.
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

static u64 vtime_now;

UEI_DEFINE(uei);

#define SHARED_DSQ 0
#define FLAGGED (UPSCHED_HOST_PREEMPTED | UPSCHED_HOST_DESCHED_SOON)

u64 nr_placed, nr_moved_off_flagged;

static bool lat_critical(struct task_struct *p)
{
	return p->scx.weight > lat_weight;
}

static bool flagged(s32 cpu)
{
	return (upsched_virt_host_flags(cpu) & FLAGGED) != 0;
}

/* An idle vCPU the host did not flag, else a running one it did not flag,
 * else the default choice. */
static s32 pick_vcpu(struct task_struct *p, s32 prev, bool *is_idle)
{
	s32 nr = scx_bpf_nr_cpu_ids();
	s32 dfl, cpu;
	u64 pick = 1024;	/* 64-bit: bounds the verifier can see */

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
		if (pick >= 1024)
			pick = cpu;
	}
	if (pick >= 1024) {
		*is_idle = false;
		return dfl;
	}
	return pick;
}

s32 BPF_STRUCT_OPS(virt_guest_select_cpu, struct task_struct *p, s32 prev_cpu, u64 wake_flags)
{
	bool is_idle = false;
	s32 cpu;

	if (!lat_critical(p)) {
		cpu = scx_bpf_select_cpu_dfl(p, prev_cpu, wake_flags, &is_idle);
		if (is_idle)
			scx_bpf_dsq_insert(p, SCX_DSQ_LOCAL, slice_ns, 0);
		return cpu;
	}
	cpu = pick_vcpu(p, prev_cpu, &is_idle);
	if (cpu != prev_cpu && flagged(prev_cpu))
		__sync_fetch_and_add(&nr_moved_off_flagged, 1);
	upsched_virt_publish(cpu, UPSCHED_VCPU_LAT_CRITICAL, 0);
	if (is_idle)
		scx_bpf_dsq_insert(p, SCX_DSQ_LOCAL, slice_ns, 0);
	return cpu;
}

void BPF_STRUCT_OPS(virt_guest_enqueue, struct task_struct *p, u64 enq_flags)
{
	u64 vtime = p->scx.dsq_vtime;
	s32 cpu;

	if (lat_critical(p)) {
		/* On the vCPU select_cpu chose: ahead of what runs there. */
		cpu = scx_bpf_task_cpu(p);
		__sync_fetch_and_add(&nr_placed, 1);
		upsched_virt_publish(cpu, UPSCHED_VCPU_LAT_CRITICAL, 0);
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
	upsched_virt_publish(scx_bpf_task_cpu(p), lat_critical(p) ? UPSCHED_VCPU_LAT_CRITICAL : 0, 0);
}

void BPF_STRUCT_OPS(virt_guest_stopping, struct task_struct *p, bool runnable)
{
	if (lat_critical(p))
		upsched_virt_publish(scx_bpf_task_cpu(p), 0, 0);
	if (p->scx.slice <= slice_ns)
		p->scx.dsq_vtime += (slice_ns - p->scx.slice) * 100 / p->scx.weight;
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
	       .enable = (void *)virt_guest_enable,
	       .init = (void *)virt_guest_init,
	       .exit = (void *)virt_guest_exit,
	       .name = "virt_guest");
