/* user_queue: the BPF half of a scheduler whose decisions are made in user
 * space, on the protocol of Linux's tools/sched_ext/scx_userland (written
 * here for the tests, so that they run without the upstream sources): the
 * loader writes its own pid into usersched_pid; enqueue() pushes each task
 * (pid, run time, weight) into the `enqueued` queue and marks the user-space
 * scheduler needed; dispatch() runs that scheduler's task when needed and
 * inserts the tasks it handed back through `dispatched`, in its order.
 * upsched sim runs the user-space half itself (policy/userland_half.h).
 * tests/unit/cli/user_space_half_test.cpp runs it.
 */
#include <scx/common.bpf.h>

char _license[] SEC("license") = "GPL";

struct scx_userland_enqueued_task {
	s32 pid;
	u64 sum_exec_runtime;
	u64 weight;
};

const volatile s32 usersched_pid;
const volatile u32 num_possible_cpus = 64;

volatile u64 nr_queued, nr_scheduled;
u64 nr_user_enqueues, nr_user_dispatches, nr_overflows;

struct {
	__uint(type, BPF_MAP_TYPE_QUEUE);
	__uint(max_entries, 1024);
	__type(value, struct scx_userland_enqueued_task);
} enqueued SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_QUEUE);
	__uint(max_entries, 1024);
	__type(value, s32);
} dispatched SEC(".maps");

static volatile u32 needed;

void BPF_STRUCT_OPS(uq_enqueue, struct task_struct *p, u64 enq_flags)
{
	struct scx_userland_enqueued_task t = {};

	if (p->pid == usersched_pid)
		return; /* runs when dispatch() decides it is needed */
	t.pid = p->pid;
	t.sum_exec_runtime = p->se.sum_exec_runtime;
	t.weight = p->scx.weight;
	if (bpf_map_push_elem(&enqueued, &t, 0)) {
		__sync_fetch_and_add(&nr_overflows, 1);
		scx_bpf_dsq_insert(p, SCX_DSQ_GLOBAL, SCX_SLICE_DFL, enq_flags);
		return;
	}
	__sync_fetch_and_add(&nr_user_enqueues, 1);
	needed = 1;
}

void BPF_STRUCT_OPS(uq_dispatch, s32 cpu, struct task_struct *prev)
{
	struct task_struct *p;
	s32 pid;

	if (needed) {
		needed = 0;
		p = bpf_task_from_pid(usersched_pid);
		if (p) {
			scx_bpf_dsq_insert(p, SCX_DSQ_GLOBAL, SCX_SLICE_DFL, 0);
			bpf_task_release(p);
		}
	}
	bpf_repeat(1024) {
		if (bpf_map_pop_elem(&dispatched, &pid))
			break;
		p = bpf_task_from_pid(pid);
		if (!p)
			continue;
		scx_bpf_dsq_insert(p, SCX_DSQ_GLOBAL, SCX_SLICE_DFL, 0);
		bpf_task_release(p);
		__sync_fetch_and_add(&nr_user_dispatches, 1);
	}
}

void BPF_STRUCT_OPS(uq_update_idle, s32 cpu, bool idle)
{
	/* A CPU going idle with tasks still in user space: run the scheduler. */
	if (idle && (nr_queued || nr_scheduled)) {
		needed = 1;
		scx_bpf_kick_cpu(cpu, 0);
	}
}

s32 BPF_STRUCT_OPS(uq_init)
{
	if (usersched_pid <= 0) {
		scx_bpf_error("no user-space scheduler (usersched_pid %d)", usersched_pid);
		return -EINVAL;
	}
	return 0;
}

SCX_OPS_DEFINE(uq_ops,
	       .enqueue		= (void *)uq_enqueue,
	       .dispatch	= (void *)uq_dispatch,
	       .update_idle	= (void *)uq_update_idle,
	       .init		= (void *)uq_init,
	       .flags		= SCX_OPS_ENQ_LAST | SCX_OPS_KEEP_BUILTIN_IDLE,
	       .name		= "user_queue");
