/* The source of arena_may_goto.bin, a seed of the loader fuzzer: an arena
 * map (with map_extra), __arena pointers (addr_space_cast), may_goto loops
 * (can_loop) and the arena kfuncs.
 *   clang-19 -O2 -g -target bpf -mcpu=v3 -I sdk/include -c arena_may_goto.bin.c -o arena_may_goto.bin
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

s32 BPF_STRUCT_OPS_SLEEPABLE(seed_init)
{
	u64 i;

	counts = bpf_arena_alloc_pages(&arena, NULL, 1, NUMA_NO_NODE, 0);
	if (!counts)
		return -12;
	for (i = 0; i < 512 && can_loop; i++)
		counts[i] = i;
	return 0;
}

void BPF_STRUCT_OPS(seed_enqueue, struct task_struct *p, u64 enq_flags)
{
	if (counts)
		counts[p->pid & 511] += 1;
	scx_bpf_dsq_insert(p, SCX_DSQ_GLOBAL, SCX_SLICE_DFL, enq_flags);
}

SCX_OPS_DEFINE(seed_ops, .init = (void *)seed_init, .enqueue = (void *)seed_enqueue, .name = "seed");
