/* dump_maps: maps and globals of every kind `upsched sim --dump-maps` shows
 * typed from BTF, for tests/unit/cli/see_policy_test.cpp. */
#include <scx/common.bpf.h>

char _license[] SEC("license") = "GPL";

UEI_DEFINE(uei);

enum mode { MODE_FIFO = 0, MODE_VTIME = 1 };

struct seen {
	u64 enqueues;
	s32 last_cpu;
	char tag[8];
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__type(key, s32);
	__type(value, struct seen);
	__uint(max_entries, 64);
} by_pid SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__type(key, u32);
	__type(value, u64);
	__uint(max_entries, 1);
} per_cpu SEC(".maps");

u64 total_enqueues;                     /* .bss */
u32 magic = 42;                         /* .data */
char label[8] = "hello";                /* .data */
enum mode current_mode = MODE_VTIME;    /* .data */
const volatile u32 param = 7;           /* .rodata */

void BPF_STRUCT_OPS(dump_maps_enqueue, struct task_struct *p, u64 enq_flags)
{
	s32 pid = p->pid;
	u32 zero = 0;
	struct seen *s = bpf_map_lookup_elem(&by_pid, &pid);
	u64 *c;

	if (!s) {
		struct seen init = { .tag = "task" };

		bpf_map_update_elem(&by_pid, &pid, &init, BPF_NOEXIST);
		s = bpf_map_lookup_elem(&by_pid, &pid);
	}
	if (s) {
		s->enqueues++;
		s->last_cpu = bpf_get_smp_processor_id();
	}
	c = bpf_map_lookup_elem(&per_cpu, &zero);
	if (c)
		(*c)++;
	total_enqueues++;
	scx_bpf_dsq_insert(p, SCX_DSQ_GLOBAL, SCX_SLICE_DFL, enq_flags);
}

void BPF_STRUCT_OPS(dump_maps_exit, struct scx_exit_info *ei)
{
	UEI_RECORD(uei, ei);
}

SCX_OPS_DEFINE(dump_maps_ops,
	       .enqueue = (void *)dump_maps_enqueue,
	       .exit = (void *)dump_maps_exit,
	       .name = "dump_maps");
