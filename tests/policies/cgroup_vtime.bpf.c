/* cgroup_vtime: one global vtime DSQ, each task charged for its run time
 * scaled by the inverse of its cgroup's cpu.weight.
 *
 * The per-cgroup half of Linux's scx_flatcg, kept small: the weight lives
 * in cgroup storage (BPF_MAP_TYPE_CGRP_STORAGE), made in cgroup_init with
 * BPF_LOCAL_STORAGE_GET_F_CREATE, updated by cgroup_set_weight, found from
 * the task's cgroup in stopping and deleted in cgroup_exit. With as many
 * busy tasks in each cgroup, the cgroups get CPU in proportion to their
 * weights. tests/unit/policy/cgroup_vtime_policy_test.cpp runs it.
 */
#include <scx/common.bpf.h>

char _license[] SEC("license") = "GPL";

#define SHARED_DSQ 0

struct cg_ctx {
	u64 weight;
};

struct {
	__uint(type, BPF_MAP_TYPE_CGRP_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct cg_ctx);
} cg_ctx SEC(".maps");

static u64 vtime_now;
u64 nr_missing;

UEI_DEFINE(uei);

void BPF_STRUCT_OPS(cgv_enqueue, struct task_struct *p, u64 enq_flags)
{
	u64 vtime = p->scx.dsq_vtime;

	/* at most one slice of budget for an idle task */
	if (time_before(vtime, vtime_now - SCX_SLICE_DFL))
		vtime = vtime_now - SCX_SLICE_DFL;
	scx_bpf_dsq_insert_vtime(p, SHARED_DSQ, SCX_SLICE_DFL, vtime, enq_flags);
}

void BPF_STRUCT_OPS(cgv_dispatch, s32 cpu, struct task_struct *prev)
{
	scx_bpf_dsq_move_to_local(SHARED_DSQ, 0);
}

void BPF_STRUCT_OPS(cgv_running, struct task_struct *p)
{
	if (time_before(vtime_now, p->scx.dsq_vtime))
		vtime_now = p->scx.dsq_vtime;
}

void BPF_STRUCT_OPS(cgv_stopping, struct task_struct *p, bool runnable)
{
	struct cgroup *cgrp = scx_bpf_task_cgroup(p);
	struct cg_ctx *c = bpf_cgrp_storage_get(&cg_ctx, cgrp, 0, 0);
	u64 used = SCX_SLICE_DFL - p->scx.slice;

	if (c && c->weight)
		p->scx.dsq_vtime += used * 100 / c->weight;
	else
		__sync_fetch_and_add(&nr_missing, 1);
	bpf_cgroup_release(cgrp);
}

s32 BPF_STRUCT_OPS(cgv_cgroup_init, struct cgroup *cgrp, struct scx_cgroup_init_args *args)
{
	struct cg_ctx *c = bpf_cgrp_storage_get(&cg_ctx, cgrp, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);

	if (!c)
		return -ENOMEM;
	c->weight = args->weight;
	return 0;
}

void BPF_STRUCT_OPS(cgv_cgroup_set_weight, struct cgroup *cgrp, u32 weight)
{
	struct cg_ctx *c = bpf_cgrp_storage_get(&cg_ctx, cgrp, 0, 0);

	if (c)
		c->weight = weight;
}

void BPF_STRUCT_OPS(cgv_cgroup_exit, struct cgroup *cgrp)
{
	bpf_cgrp_storage_delete(&cg_ctx, cgrp);
}

s32 BPF_STRUCT_OPS_SLEEPABLE(cgv_init)
{
	return scx_bpf_create_dsq(SHARED_DSQ, -1);
}

void BPF_STRUCT_OPS(cgv_exit, struct scx_exit_info *ei)
{
	UEI_RECORD(uei, ei);
}

SCX_OPS_DEFINE(cgroup_vtime_ops,
	       .enqueue		= (void *)cgv_enqueue,
	       .dispatch	= (void *)cgv_dispatch,
	       .running		= (void *)cgv_running,
	       .stopping	= (void *)cgv_stopping,
	       .cgroup_init	= (void *)cgv_cgroup_init,
	       .cgroup_set_weight = (void *)cgv_cgroup_set_weight,
	       .cgroup_exit	= (void *)cgv_cgroup_exit,
	       .init		= (void *)cgv_init,
	       .exit		= (void *)cgv_exit,
	       .name		= "cgroup_vtime");
