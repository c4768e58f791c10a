/* cid_rr: places each woken task on the next CPU of its affinity in cid
 * order (Linux 7.3's topological CPU ids), round robin, through the cid
 * kfuncs and scx/cid.bpf.h's cmasks.
 *
 * init checks that cpu -> cid -> cpu is the identity on every CPU and
 * that there are as many cids as CPUs, and sets up two arena cmasks over
 * all cids. enqueue turns the task's cpus_ptr into a cmask
 * (cmask_from_cpumask), takes the next of its cids after the last one used
 * (cmask_next_set_wrap), marks it in `used` and inserts the task into that
 * cid's local DSQ, kicking it (scx_bpf_kick_cid). Every 64th enqueue checks
 * that `used` holds no cid outside all cids (cmask_subset) and counts its
 * weight into `used_cids`. With ?bad_cid=1 enqueue asks for the CPU of cid
 * scx_bpf_nr_cids(), which is no cid: the policy ends with the kfunc's error.
 * tests/unit/policy/cid_policy_test.cpp runs it.
 */
#include <scx/common.bpf.h>

char _license[] SEC("license") = "GPL";

const volatile bool bad_cid;

struct {
	__uint(type, BPF_MAP_TYPE_ARENA);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, 4);
	__ulong(map_extra, 1ull << 44);
} arena SEC(".maps");

struct scx_cmask __arena *all_cids;
struct scx_cmask __arena *used;
struct scx_cmask __arena *allowed;
u32 nr_cids;
u32 last_cid;
u64 nr_enqueued;
u32 used_cids;

s32 BPF_STRUCT_OPS_SLEEPABLE(cr_init)
{
	char __arena *page = bpf_arena_alloc_pages(&arena, NULL, 1, NUMA_NO_NODE, 0);
	struct scx_cmask __arena *all, *u, *a;
	u32 words;
	s32 cpu;

	if (!page)
		return -ENOMEM;
	nr_cids = scx_bpf_nr_cids();
	if (nr_cids != scx_bpf_nr_cpu_ids() || nr_cids != scx_bpf_nr_online_cids()) {
		scx_bpf_error("%u cids for %u CPUs", nr_cids, scx_bpf_nr_cpu_ids());
		return -EINVAL;
	}
	bpf_for(cpu, 0, nr_cids) {
		s32 cid = scx_bpf_cpu_to_cid(cpu);

		if (scx_bpf_cid_to_cpu(cid) != cpu) {
			scx_bpf_error("cpu %d -> cid %d -> cpu %d", cpu, cid, scx_bpf_cid_to_cpu(cid));
			return -EINVAL;
		}
	}
	/* three masks in the page, each with room for 1024 cids */
	words = CMASK_NR_WORDS(1024);
	all = (struct scx_cmask __arena *)page;
	u = (struct scx_cmask __arena *)(page + 8 * (words + 2));
	a = (struct scx_cmask __arena *)(page + 16 * (words + 2));
	all_cids = all;
	used = u;
	allowed = a;
	cast_kern(all);
	cast_kern(u);
	cast_kern(a);
	__cmask_init(all, 0, nr_cids, 1024);
	__cmask_init(u, 0, nr_cids, 1024);
	__cmask_init(a, 0, nr_cids, 1024);
	bpf_for(cpu, 0, nr_cids)
		__cmask_set(cpu, all);
	last_cid = nr_cids - 1;
	return 0;
}

void BPF_STRUCT_OPS(cr_enqueue, struct task_struct *p, u64 enq_flags)
{
	struct scx_cmask __arena *a = allowed, *u = used, *all = all_cids;
	u32 cid;
	s32 cpu;

	if (!a || !u || !all) {
		scx_bpf_dsq_insert(p, SCX_DSQ_GLOBAL, SCX_SLICE_DFL, enq_flags);
		return;
	}
	cast_kern(a);
	cast_kern(u);
	cast_kern(all);
	if (bad_cid)
		scx_bpf_cid_to_cpu(nr_cids);
	cmask_from_cpumask(a, p->cpus_ptr);
	cid = cmask_next_set_wrap(a, last_cid + 1);
	if (cid >= nr_cids) {
		scx_bpf_dsq_insert(p, SCX_DSQ_GLOBAL, SCX_SLICE_DFL, enq_flags);
		return;
	}
	last_cid = cid;
	__cmask_set(cid, u);
	cpu = scx_bpf_cid_to_cpu(cid);
	scx_bpf_dsq_insert(p, SCX_DSQ_LOCAL_ON | cpu, SCX_SLICE_DFL, enq_flags);
	scx_bpf_kick_cid(cid, SCX_KICK_IDLE);
	if (!(++nr_enqueued & 63)) {
		if (!cmask_subset(u, all))
			scx_bpf_error("used cids outside all cids");
		used_cids = cmask_weight(u);
	}
}

SCX_OPS_DEFINE(cr_ops, .init = (void *)cr_init, .enqueue = (void *)cr_enqueue, .name = "cid_rr");
