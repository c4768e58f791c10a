/* bad_map_oob_write (test policy): writes far past the end of a map value.
 *
 * enqueue stores the enqueue flags at v[pid % 256 + 2^25] of an 8-entry
 * array: 256 MiB past the value, far from any memory of the policy (a
 * confined policy's sandbox holds all of it within 16 MiB granules; a
 * store a few KiB past the value stays inside the policy's own memory,
 * which it may corrupt but never leave); with via_helper set it hands that address to
 * bpf_map_update_elem as the value to copy instead. The verifier
 * refuses both ("out of bounds").
 * Tests load it with the verifier's map-bounds check switched off (a
 * stand-in for a verifier bug, VerifyOptions::test_skip_map_value_bounds)
 * to show the second wall: the class of a loader without sched.all_tasks
 * runs confined, so the store traps (the helper refuses its argument)
 * instead of touching the host's memory, the class is ejected with an exit
 * report naming the line below, and every task finishes under fair.
 *
 * Capabilities: sched.load only.
 */
#include <scx/common.bpf.h>

char _license[] SEC("license") = "GPL";

const volatile u32 via_helper;

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, u32);
	__type(value, u64[8]);
} vals SEC(".maps");

void BPF_STRUCT_OPS(oob_enqueue, struct task_struct *p, u64 enq_flags)
{
	u32 key = 0;
	u64 *v = bpf_map_lookup_elem(&vals, &key);

	if (v) {
		u32 i = (p->pid & 0xff) + (1u << 25);

		if (via_helper)
			bpf_map_update_elem(&vals, &key, &v[i], 0); /* the out-of-bounds argument */
		else
			v[i] = enq_flags; /* the out-of-bounds store */
	}
	scx_bpf_dsq_insert(p, SCX_DSQ_GLOBAL, SCX_SLICE_DFL, enq_flags);
}

SCX_OPS_DEFINE(bad_map_oob_write_ops,
	       .enqueue = (void *)oob_enqueue,
	       .name = "bad_map_oob_write");
