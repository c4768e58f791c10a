/* arena_counts: a global FIFO that counts each task's enqueues in an arena.
 *
 * init takes one arena page (bpf_arena_alloc_pages); enqueue adds 1 to the
 * task's slot there (pid % 512, through an __arena pointer, cast_kern for
 * compilers without address spaces) and to `total` in .bss, then sums the
 * 512 slots in a can_loop loop (may_goto) and ends the policy with an
 * error if the arena holds another count than `total`. So
 * a run that stays clean shows arena stores and loads keeping what was
 * written, in the interpreter and the JIT alike.
 * tests/unit/policy/arena_policy_test.cpp runs it.
 */
#include <scx/common.bpf.h>
#include <scx/bpf_arena_common.bpf.h>

char _license[] SEC("license") = "GPL";

struct {
	__uint(type, BPF_MAP_TYPE_ARENA);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, 4);
	__ulong(map_extra, 1ull << 44);
} arena SEC(".maps");

u64 __arena *counts;
u64 total;
u64 checks;

s32 BPF_STRUCT_OPS_SLEEPABLE(ac_init)
{
	counts = bpf_arena_alloc_pages(&arena, NULL, 1, NUMA_NO_NODE, 0);
	return counts ? 0 : -12;
}

/* The sum of the arena's slots, or -1 when may_goto's budget ran out first. */
static s64 arena_sum(u64 __arena *c)
{
	u64 i, sum = 0;

	for (i = 0; i < 512 && can_loop; i++)
		sum += c[i];
	return i == 512 ? (s64)sum : -1;
}

void BPF_STRUCT_OPS(ac_enqueue, struct task_struct *p, u64 enq_flags)
{
	u64 __arena *c = counts;
	s64 sum;

	if (c) {
		cast_kern(c);
		c[p->pid & 511] += 1;
		total += 1;
		sum = arena_sum(c);
		if (sum >= 0) {
			checks += 1;
			if ((u64)sum != total)
				scx_bpf_error("arena holds %lld enqueues, total %llu", sum, total);
		}
	}
	scx_bpf_dsq_insert(p, SCX_DSQ_GLOBAL, SCX_SLICE_DFL, enq_flags);
}

SCX_OPS_DEFINE(ac_ops, .init = (void *)ac_init, .enqueue = (void *)ac_enqueue, .name = "arena_counts");
