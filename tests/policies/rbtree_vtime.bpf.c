/* rbtree_vtime: tasks wait in a BPF rbtree ordered by virtual time.
 *
 * The shape of Linux's scx_flatcg without cgroups: allocated objects
 * (bpf_obj_new), an rbtree under the bpf_spin_lock of its private data
 * section, and a __kptr field in a map value that keeps one spare node
 * between a dispatch and the next enqueue (bpf_kptr_xchg). Each enqueued
 * task becomes a node {vtime, pid}; dispatch takes the leftmost node and
 * inserts its task into the CPU's local DSQ. A task whose node could not
 * be allocated goes to FALLBACK_DSQ, so nothing is lost either way.
 * tests/unit/policy/rbtree_policy_test.cpp runs it.
 */
#include <scx/common.bpf.h>

char _license[] SEC("license") = "GPL";

#define FALLBACK_DSQ 1

struct tnode {
	struct bpf_rb_node node;
	u64 vtime;
	s32 pid;
};

private(TQ) struct bpf_spin_lock tq_lock;
private(TQ) struct bpf_rb_root tq_root __contains(tnode, node);

struct stash {
	struct tnode __kptr *spare;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, u32);
	__type(value, struct stash);
	__uint(max_entries, 1);
} spares SEC(".maps");

static u64 vtime_now;
u64 nr_queued, nr_fallback, nr_reused;

UEI_DEFINE(uei);

static bool tnode_less(struct bpf_rb_node *a, const struct bpf_rb_node *b)
{
	struct tnode *ta = container_of(a, struct tnode, node);
	struct tnode *tb = container_of(b, struct tnode, node);

	return ta->vtime < tb->vtime;
}

static struct tnode *take_node(void)
{
	u32 zero = 0;
	struct stash *s = bpf_map_lookup_elem(&spares, &zero);
	struct tnode *n;

	if (s) {
		n = bpf_kptr_xchg(&s->spare, NULL);
		if (n) {
			__sync_fetch_and_add(&nr_reused, 1);
			return n;
		}
	}
	return bpf_obj_new(struct tnode);
}

/* Keeps n as the spare, dropping the spare it replaces (if any). */
static void put_node(struct tnode *n)
{
	u32 zero = 0;
	struct stash *s = bpf_map_lookup_elem(&spares, &zero);
	struct tnode *old;

	if (!s) {
		bpf_obj_drop(n);
		return;
	}
	old = bpf_kptr_xchg(&s->spare, n);
	if (old)
		bpf_obj_drop(old);
}

s32 BPF_STRUCT_OPS(rbtree_vtime_select_cpu, struct task_struct *p, s32 prev_cpu, u64 wake_flags)
{
	bool is_idle = false;

	return scx_bpf_select_cpu_dfl(p, prev_cpu, wake_flags, &is_idle);
}

void BPF_STRUCT_OPS(rbtree_vtime_enqueue, struct task_struct *p, u64 enq_flags)
{
	struct tnode *n = take_node();
	u64 vtime = p->scx.dsq_vtime;

	if (!n) {
		__sync_fetch_and_add(&nr_fallback, 1);
		scx_bpf_dsq_insert(p, FALLBACK_DSQ, SCX_SLICE_DFL, enq_flags);
		return;
	}
	if (vtime + SCX_SLICE_DFL < vtime_now)
		vtime = vtime_now - SCX_SLICE_DFL;
	n->vtime = vtime;
	n->pid = p->pid;

	bpf_spin_lock(&tq_lock);
	bpf_rbtree_add(&tq_root, &n->node, tnode_less);
	bpf_spin_unlock(&tq_lock);
	__sync_fetch_and_add(&nr_queued, 1);
}

void BPF_STRUCT_OPS(rbtree_vtime_dispatch, s32 cpu, struct task_struct *prev)
{
	struct bpf_rb_node *rb;
	struct task_struct *p;
	struct tnode *n;
	s32 pid;

	if (scx_bpf_dsq_move_to_local(FALLBACK_DSQ, 0))
		return;
	bpf_spin_lock(&tq_lock);
	rb = bpf_rbtree_first(&tq_root);
	if (!rb) {
		bpf_spin_unlock(&tq_lock);
		return;
	}
	rb = bpf_rbtree_remove(&tq_root, rb);
	bpf_spin_unlock(&tq_lock);
	if (!rb)
		return;
	n = container_of(rb, struct tnode, node);
	pid = n->pid;
	put_node(n);

	p = bpf_task_from_pid(pid);
	if (!p)
		return;
	scx_bpf_dsq_insert(p, SCX_DSQ_LOCAL, SCX_SLICE_DFL, 0);
	bpf_task_release(p);
}

void BPF_STRUCT_OPS(rbtree_vtime_running, struct task_struct *p)
{
	if (p->scx.dsq_vtime > vtime_now)
		vtime_now = p->scx.dsq_vtime;
}

void BPF_STRUCT_OPS(rbtree_vtime_stopping, struct task_struct *p, bool runnable)
{
	p->scx.dsq_vtime += (SCX_SLICE_DFL - p->scx.slice) * 100 / p->scx.weight;
}

void BPF_STRUCT_OPS(rbtree_vtime_enable, struct task_struct *p)
{
	p->scx.dsq_vtime = vtime_now;
}

s32 BPF_STRUCT_OPS_SLEEPABLE(rbtree_vtime_init)
{
	return scx_bpf_create_dsq(FALLBACK_DSQ, -1);
}

void BPF_STRUCT_OPS(rbtree_vtime_exit, struct scx_exit_info *ei)
{
	UEI_RECORD(uei, ei);
}

SCX_OPS_DEFINE(rbtree_vtime_ops,
	       .select_cpu	= (void *)rbtree_vtime_select_cpu,
	       .enqueue		= (void *)rbtree_vtime_enqueue,
	       .dispatch	= (void *)rbtree_vtime_dispatch,
	       .running		= (void *)rbtree_vtime_running,
	       .stopping	= (void *)rbtree_vtime_stopping,
	       .enable		= (void *)rbtree_vtime_enable,
	       .init		= (void *)rbtree_vtime_init,
	       .exit		= (void *)rbtree_vtime_exit,
	       .name		= "rbtree_vtime");
