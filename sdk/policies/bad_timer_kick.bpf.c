/* bad_timer_kick (test policy): a BPF timer callback that fails at run time.
 *
 * Tasks go FIFO through one shared DSQ. Every millisecond a BPF timer
 * kicks the CPUs so that idle ones look at the queue, but its loop has an
 * off-by-one bound (`<=` where `<` was meant): the first round kicks CPU
 * nr_cpu_ids, which does not exist. The host must eject the class with a
 * report naming scx_bpf_kick_cpu, the timer callback and this file's line,
 * and every task must finish under fair.
 *
 * With the read-only global `exit_after` set the loop is right and the
 * callback instead ends the class itself after that many rounds with
 * scx_bpf_exit(42, ...): a normal exit (unreg_bpf) carrying the code and
 * the message.
 *
 * Capabilities: sched.load, sched.kick, sched.timer.
 */
#include <scx/common.bpf.h>

char _license[] SEC("license") = "GPL";

#define SHARED_DSQ 0
#define TIMER_INTERVAL_NS 1000000ULL
#define EXIT_CODE 42

const volatile u64 exit_after = 0;

u64 nr_rounds;

struct kick_timer {
	struct bpf_timer timer;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, u32);
	__type(value, struct kick_timer);
} kick_timer SEC(".maps");

static int kick_timerfn(void *map, int *key, struct bpf_timer *timer)
{
	s32 nr_cpus = scx_bpf_nr_cpu_ids();
	u64 rounds = __sync_fetch_and_add(&nr_rounds, 1) + 1;
	s32 last = exit_after ? nr_cpus - 1 : nr_cpus; /* the bug */
	s32 i;

	if (exit_after && rounds >= exit_after) {
		scx_bpf_exit(EXIT_CODE, "bad_timer_kick: done after %llu rounds", rounds);
		return 0;
	}

	bpf_for(i, 0, last + 1)
		scx_bpf_kick_cpu(i, 0);

	bpf_timer_start(timer, TIMER_INTERVAL_NS, 0);
	return 0;
}

void BPF_STRUCT_OPS(kick_enqueue, struct task_struct *p, u64 enq_flags)
{
	scx_bpf_dsq_insert(p, SHARED_DSQ, SCX_SLICE_DFL, enq_flags);
}

void BPF_STRUCT_OPS(kick_dispatch, s32 cpu, struct task_struct *prev)
{
	scx_bpf_dsq_move_to_local(SHARED_DSQ, 0);
}

s32 BPF_STRUCT_OPS_SLEEPABLE(kick_init)
{
	struct bpf_timer *timer;
	u32 key = 0;
	s32 ret;

	ret = scx_bpf_create_dsq(SHARED_DSQ, NUMA_NO_NODE);
	if (ret)
		return ret;

	timer = bpf_map_lookup_elem(&kick_timer, &key);
	if (!timer)
		return -ESRCH;

	bpf_timer_init(timer, &kick_timer, 1 /* CLOCK_MONOTONIC */);
	bpf_timer_set_callback(timer, kick_timerfn);
	return bpf_timer_start(timer, TIMER_INTERVAL_NS, 0);
}

SCX_OPS_DEFINE(bad_timer_kick_ops,
	       .enqueue = (void *)kick_enqueue,
	       .dispatch = (void *)kick_dispatch,
	       .init = (void *)kick_init,
	       .name = "bad_timer_kick");
