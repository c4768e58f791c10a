/* virt_host: a host scheduler for vCPUs that reads its guests' hints.
 *
 * Weighted vtime as in simple, plus what the guests publish about each vCPU
 * (upsched/virt_hints.h, docs/guest-host.md):
 *
 * - Co-scheduling: each VM has a DSQ of its own, in its vCPUs' virtual
 *   time. A CPU takes the next vCPU of a VM whose vCPUs started on other
 *   CPUs at this very instant, else the vCPU with the least virtual time of
 *   all: the CPUs that reschedule together at a tick take the vCPUs of one
 *   VM together, so a guest spinlock's holder and its spinners mostly run
 *   at the same time.
 * - Lock holders: a vCPU whose guest holds a spinlock that others spin for
 *   is not preempted at the end of its slice (the tick refills it, at most
 *   max_hold_extensions times per run, so a guest cannot keep a CPU by
 *   holding locks).
 * - Spinning: a vCPU that exits on a spin (pause-loop exiting) gives its CPU
 *   to its VM's lock holder when that one waits for a CPU (a directed yield
 *   the hints make exact); while the holder runs elsewhere the spin is
 *   short and the vCPU keeps its CPU.
 * - Latency: a vCPU whose guest has a latency-critical task for it runs
 *   first, for lat_slice_ns, the one whose guest deadline is nearest
 *   (upsched_vcpu_next_deadline) first of all VMs, and the tick makes room
 *   for it on a CPU that runs a vCPU neither urgent nor holding a lock.
 * - Idle: a vCPU whose guest says it is idle (UPSCHED_VCPU_IDLE: it polls
 *   before it halts) gives its CPU up at the tick when anything else waits,
 *   queues behind all that wait then, and is not co-scheduled with its VM.
 * - A vCPU whose slice is nearly used is flagged UPSCHED_HOST_DESCHED_SOON,
 *   so its guest can place latency-critical work elsewhere (virt_guest).
 *
 * Tasks that are not vCPUs share SHARED_DSQ, in the same virtual time.
 *
 * Capabilities: sched.load, sched.virt.
 */
#include <scx/common.bpf.h>
#include <upsched/virt_hints.h>

char _license[] SEC("license") = "GPL";

const volatile u64 slice_ns = 3000000;		  /* as fair's base slice */
const volatile u64 desched_soon_ns = 1000000;	  /* flag a vCPU with less left */
const volatile u32 max_hold_extensions = 4;	  /* slice refills for a lock holder */
const volatile u64 lat_slice_ns = 500000;	  /* a latency-critical vCPU's run */

static u64 vtime_now;
static u32 nr_vms;	/* VM ids seen so far are below it */

UEI_DEFINE(uei);

#define SHARED_DSQ 0
#define MAX_VMS 256
#define VM_DSQ(vm) (16 + (vm))
#define MAX_SCAN 64

#define URGENT (UPSCHED_VCPU_LOCK_HOLDER | UPSCHED_VCPU_LAT_CRITICAL)

/* Per VM: when a vCPU of it last started running. */
struct vm_state {
	u64 started_at;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(key_size, sizeof(u32));
	__uint(value_size, sizeof(struct vm_state));
	__uint(max_entries, MAX_VMS);
} vms SEC(".maps");

struct task_ctx {
	u64 ran_from;	/* when this run started */
	u32 extensions;	/* slice refills in this run */
};

/* Per CPU: 1 + the VM whose lock holder a directed yield asked this CPU
 * to run next, 0 = none. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(key_size, sizeof(u32));
	__uint(value_size, sizeof(u64));
	__uint(max_entries, 1024);
} cpu_wants_holder SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct task_ctx);
} task_ctx_stor SEC(".maps");

/* Counters (read with upsched's map dump). */
u64 nr_boosted, nr_preempts, nr_extensions, nr_directed_yields, nr_spins_kept, nr_idle_yields;

static struct vm_state *vm_of(struct task_struct *p)
{
	s32 vm = UPSCHED_CALL_OR(-1, upsched_vcpu_vm, p);
	u32 key;

	if (vm < 0 || vm >= MAX_VMS)
		return NULL;
	key = vm;
	return bpf_map_lookup_elem(&vms, &key);
}

static struct task_ctx *ctx_of(struct task_struct *p)
{
	return bpf_task_storage_get(&task_ctx_stor, p, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
}

s32 BPF_STRUCT_OPS(virt_host_select_cpu, struct task_struct *p, s32 prev_cpu, u64 wake_flags)
{
	bool is_idle = false;
	s32 cpu;

	cpu = scx_bpf_select_cpu_dfl(p, prev_cpu, wake_flags, &is_idle);
	if (is_idle)
		scx_bpf_dsq_insert(p, SCX_DSQ_LOCAL, slice_ns, 0);
	return cpu;
}

void BPF_STRUCT_OPS(virt_host_enqueue, struct task_struct *p, u64 enq_flags)
{
	s32 vm_id = UPSCHED_CALL_OR(-1, upsched_vcpu_vm, p);
	struct vm_state *vm = vm_of(p);
	u64 vtime = p->scx.dsq_vtime;

	if (time_before(vtime, vtime_now - slice_ns))
		vtime = vtime_now - slice_ns;
	/* An idle guest's vCPU preempted while it polls goes behind all that
	 * wait now (one that wakes was kicked because work came: its flag is
	 * not news yet). */
	if (!(enq_flags & SCX_ENQ_WAKEUP) && (UPSCHED_CALL_OR(0, upsched_vcpu_hint, p) & UPSCHED_VCPU_IDLE))
		vtime = vtime_now + slice_ns;
	if (vm) {
		if (vm_id + 1 > nr_vms)
			nr_vms = vm_id + 1;
		scx_bpf_dsq_insert_vtime(p, VM_DSQ(vm_id), slice_ns, vtime, enq_flags);
		return;
	}
	scx_bpf_dsq_insert_vtime(p, SHARED_DSQ, slice_ns, vtime, enq_flags);
}

/* Moves a vCPU of VM `vm` whose hint has `flag` and that waits for a CPU to
 * this CPU with `slice` (move), or only says whether there is one. */
static bool find_vcpu(s32 vm, u64 flag, bool move, u64 slice)
{
	struct task_struct *p;
	int budget = MAX_SCAN;

	if (vm < 0 || vm >= MAX_VMS)
		return false;
	bpf_for_each(scx_dsq, p, VM_DSQ(vm), 0) {
		if (--budget < 0)
			break;
		if (!(UPSCHED_CALL_OR(0, upsched_vcpu_hint, p) & flag))
			continue;
		if (!move)
			return true;
		scx_bpf_dsq_move_set_slice(BPF_FOR_EACH_ITER, slice);
		if (scx_bpf_dsq_move(BPF_FOR_EACH_ITER, p, SCX_DSQ_LOCAL, 0))
			return true;
	}
	return false;
}

/* The nearest guest deadline of VM vm's latency-critical vCPUs waiting for
 * a CPU (one without a deadline: ~0ULL - 1), 0 if none waits. */
static u64 lat_deadline(s32 vm)
{
	struct task_struct *p;
	int budget = MAX_SCAN;
	u64 best = 0, d;

	if (vm < 0 || vm >= MAX_VMS)
		return 0;
	bpf_for_each(scx_dsq, p, VM_DSQ(vm), 0) {
		if (--budget < 0)
			break;
		if (!(UPSCHED_CALL_OR(0, upsched_vcpu_hint, p) & UPSCHED_VCPU_LAT_CRITICAL))
			continue;
		d = UPSCHED_CALL_OR(0, upsched_vcpu_next_deadline, p);
		if (!d)
			d = ~0ULL - 1;
		if (!best || d < best)
			best = d;
	}
	return best;
}

/* The VM whose latency-critical vCPU waiting for a CPU has the nearest guest
 * deadline, -1 if none waits. */
static s32 lat_waiting(void)
{
	u64 best = 0, d;
	s32 vm = -1;
	u32 i;

	bpf_for(i, 0, MAX_VMS) {
		if (i >= nr_vms)
			break;
		d = lat_deadline(i);
		if (d && (!best || d < best)) {
			best = d;
			vm = i;
		}
	}
	return vm;
}

/* Whether any task or vCPU waits for a CPU. */
static bool anything_waiting(void)
{
	u32 i;

	if (scx_bpf_dsq_nr_queued(SHARED_DSQ) > 0)
		return true;
	bpf_for(i, 0, MAX_VMS) {
		if (i >= nr_vms)
			break;
		if (scx_bpf_dsq_nr_queued(VM_DSQ(i)) > 0)
			return true;
	}
	return false;
}

/* The VM with queued vCPUs whose siblings started on other CPUs at this
 * very instant (the CPUs rescheduling together at a tick take one VM
 * together), else the one whose first vCPU has the least virtual time;
 * -1 if none. */
static s32 next_vm(u64 *vtime)
{
	u64 now = scx_bpf_now();
	s32 best = -1;
	u32 i;

	bpf_for(i, 0, MAX_VMS) {
		struct task_struct *head;
		struct vm_state *vm;

		if (i >= nr_vms)
			break;
		head = scx_bpf_dsq_peek(VM_DSQ(i));
		if (!head)
			continue;
		vm = bpf_map_lookup_elem(&vms, &i);
		if (vm && vm->started_at == now && !(UPSCHED_CALL_OR(0, upsched_vcpu_hint, head) & UPSCHED_VCPU_IDLE)) {
			*vtime = 0;
			return i;
		}
		if (best < 0 || time_before(head->scx.dsq_vtime, *vtime)) {
			best = i;
			*vtime = head->scx.dsq_vtime;
		}
	}
	return best;
}

void BPF_STRUCT_OPS(virt_host_dispatch, s32 cpu, struct task_struct *prev)
{
	u32 key = cpu;
	u64 *want = bpf_map_lookup_elem(&cpu_wants_holder, &key);
	struct task_struct *other;
	u64 vtime = 0;
	s32 vm;

	/* A latency-critical vCPU runs first, for a short slice. */
	vm = lat_waiting();
	if (vm >= 0 && find_vcpu(vm, UPSCHED_VCPU_LAT_CRITICAL, true, lat_slice_ns)) {
		__sync_fetch_and_add(&nr_boosted, 1);
		return;
	}
	/* A directed yield: the spinner's VM's holder runs here. */
	if (want && *want) {
		vm = *want - 1;
		*want = 0;
		if (find_vcpu(vm, UPSCHED_VCPU_LOCK_HOLDER, true, slice_ns))
			return;
	}
	vm = next_vm(&vtime);
	other = scx_bpf_dsq_peek(SHARED_DSQ);
	if (vm >= 0 && !(other && time_before(other->scx.dsq_vtime, vtime)) &&
	    scx_bpf_dsq_move_to_local(VM_DSQ(vm), 0))
		return;
	scx_bpf_dsq_move_to_local(SHARED_DSQ, 0);
}

void BPF_STRUCT_OPS(virt_host_tick, struct task_struct *p)
{
	u64 hint = UPSCHED_CALL_OR(0, upsched_vcpu_hint, p);
	struct task_ctx *tctx;

	/* An idle guest polls on this CPU while others wait: they run. */
	if ((hint & UPSCHED_VCPU_IDLE) && anything_waiting()) {
		__sync_fetch_and_add(&nr_idle_yields, 1);
		p->scx.slice = 0;
		return;
	}
	/* A latency-critical vCPU waits: make room, unless this one is urgent. */
	if (!(hint & URGENT) && lat_waiting() >= 0) {
		__sync_fetch_and_add(&nr_preempts, 1);
		p->scx.slice = 0;
		return;
	}
	/* Others spin for this vCPU's lock: do not preempt it (bounded). */
	if ((hint & UPSCHED_VCPU_LOCK_HOLDER) && p->scx.slice < desched_soon_ns) {
		tctx = ctx_of(p);
		if (tctx && tctx->extensions < max_hold_extensions) {
			tctx->extensions++;
			__sync_fetch_and_add(&nr_extensions, 1);
			p->scx.slice = desched_soon_ns;
			return;
		}
	}
	if (hint & UPSCHED_VCPU_VALID)
		UPSCHED_CALL_IF(upsched_vcpu_set_host_flags, p, p->scx.slice < desched_soon_ns ? UPSCHED_HOST_DESCHED_SOON : 0);
}

bool BPF_STRUCT_OPS(virt_host_yield, struct task_struct *from, struct task_struct *to)
{
	s32 vm = UPSCHED_CALL_OR(-1, upsched_vcpu_vm, from);
	u32 key = scx_bpf_task_cpu(from);
	u64 *want;

	/* A pause-loop exit. If its VM's lock holder waits for a CPU, this CPU
	 * runs it now; else the holder runs elsewhere and the spin is short. */
	if (vm >= 0 && find_vcpu(vm, UPSCHED_VCPU_LOCK_HOLDER, false, 0)) {
		__sync_fetch_and_add(&nr_directed_yields, 1);
		want = bpf_map_lookup_elem(&cpu_wants_holder, &key);
		if (want)
			*want = vm + 1;
		from->scx.slice = 0;
	} else {
		__sync_fetch_and_add(&nr_spins_kept, 1);
	}
	return false;
}

void BPF_STRUCT_OPS(virt_host_running, struct task_struct *p)
{
	struct vm_state *vm = vm_of(p);
	struct task_ctx *tctx = ctx_of(p);

	if (vm)
		vm->started_at = scx_bpf_now();
	if (time_before(vtime_now, p->scx.dsq_vtime))
		vtime_now = p->scx.dsq_vtime;
	if (tctx) {
		tctx->extensions = 0;
		tctx->ran_from = scx_bpf_now();
	}
	UPSCHED_CALL_IF(upsched_vcpu_set_host_flags, p, 0);
}

void BPF_STRUCT_OPS(virt_host_stopping, struct task_struct *p, bool runnable)
{
	struct task_ctx *tctx = ctx_of(p);
	u64 now = scx_bpf_now();

	/* The time it ran (a yield or an extension changes the slice). */
	if (tctx && tctx->ran_from && now > tctx->ran_from)
		p->scx.dsq_vtime += (now - tctx->ran_from) * 100 / p->scx.weight;
}

void BPF_STRUCT_OPS(virt_host_enable, struct task_struct *p)
{
	p->scx.dsq_vtime = vtime_now;
}

s32 BPF_STRUCT_OPS_SLEEPABLE(virt_host_init)
{
	s32 ret = scx_bpf_create_dsq(SHARED_DSQ, NUMA_NO_NODE);
	u32 i;

	if (ret)
		return ret;
	bpf_for(i, 0, MAX_VMS) {
		ret = scx_bpf_create_dsq(VM_DSQ(i), NUMA_NO_NODE);
		if (ret)
			return ret;
	}
	return 0;
}

void BPF_STRUCT_OPS(virt_host_exit, struct scx_exit_info *ei)
{
	UEI_RECORD(uei, ei);
}

SCX_OPS_DEFINE(virt_host_ops,
	       .select_cpu = (void *)virt_host_select_cpu,
	       .enqueue = (void *)virt_host_enqueue,
	       .dispatch = (void *)virt_host_dispatch,
	       .tick = (void *)virt_host_tick,
	       .yield = (void *)virt_host_yield,
	       .running = (void *)virt_host_running,
	       .stopping = (void *)virt_host_stopping,
	       .enable = (void *)virt_host_enable,
	       .init = (void *)virt_host_init,
	       .exit = (void *)virt_host_exit,
	       .name = "virt_host");
