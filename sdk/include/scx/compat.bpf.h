/* scx/compat.bpf.h: the compatibility spellings sched_ext schedulers use to
 * build across kernel versions (__COMPAT_* macros), so that sources written
 * for scx's headers build here unchanged. Included by common.bpf.h.
 *
 * On upsched every name below resolves to the current API; on Linux the same
 * macros pick whatever the running kernel provides (CO-RE enum probes and
 * __weak kfunc externs).
 */
#ifndef __UPSCHED_SCX_COMPAT_BPF_H__
#define __UPSCHED_SCX_COMPAT_BPF_H__

#include "common.bpf.h"

/* The value of an enumerator, or 0 when the target does not define it. */
#define __COMPAT_ENUM_OR_ZERO(__type, __ent)                                   \
	({                                                                     \
		__type __ret = 0;                                              \
		if (bpf_core_enum_value_exists(__type, __ent))                 \
			__ret = __ent;                                         \
		__ret;                                                         \
	})

/*
 * Each wrapper below calls the newest kfunc flavour the host has and falls
 * back to the older ones, with Linux's names: an extern NAME___SUFFIX binds
 * to the kernel symbol NAME (the last ___suffix dropped, as libbpf does), so
 * scx_bpf_dsq_insert___v2___compat binds to the v6.19 kfunc
 * scx_bpf_dsq_insert___v2. On upsched the first flavour always exists.
 */

/* v6.13 renamed scx_bpf_dispatch_from_dsq*() to scx_bpf_dsq_move*(); v7.1
 * gave scx_bpf_dsq_move_to_local() enq_flags. */
bool scx_bpf_dsq_move_to_local___v2___compat(u64 dsq_id, u64 enq_flags) __ksym __weak;
bool scx_bpf_dsq_move_to_local___v1(u64 dsq_id) __ksym __weak;
void scx_bpf_dsq_move_set_slice___new(struct bpf_iter_scx_dsq *it__iter, u64 slice) __ksym __weak;
void scx_bpf_dsq_move_set_vtime___new(struct bpf_iter_scx_dsq *it__iter, u64 vtime) __ksym __weak;
bool scx_bpf_dsq_move___new(struct bpf_iter_scx_dsq *it__iter, struct task_struct *p, u64 dsq_id, u64 enq_flags) __ksym __weak;
bool scx_bpf_dsq_move_vtime___new(struct bpf_iter_scx_dsq *it__iter, struct task_struct *p, u64 dsq_id, u64 enq_flags) __ksym __weak;

bool scx_bpf_consume___old(u64 dsq_id) __ksym __weak;

/* v6.12: 819513666966 ("sched_ext: Add cgroup support"): the task's cgroup,
 * a reference to release with bpf_cgroup_release(). */
struct cgroup *scx_bpf_task_cgroup___new(struct task_struct *p) __ksym __weak;

#define scx_bpf_task_cgroup(p)							\
	(bpf_ksym_exists(scx_bpf_task_cgroup___new) ?				\
	 scx_bpf_task_cgroup___new((p)) : NULL)
void scx_bpf_dispatch_from_dsq_set_slice___old(struct bpf_iter_scx_dsq *it__iter, u64 slice) __ksym __weak;
void scx_bpf_dispatch_from_dsq_set_vtime___old(struct bpf_iter_scx_dsq *it__iter, u64 vtime) __ksym __weak;
bool scx_bpf_dispatch_from_dsq___old(struct bpf_iter_scx_dsq *it__iter, struct task_struct *p, u64 dsq_id, u64 enq_flags) __ksym __weak;
bool scx_bpf_dispatch_vtime_from_dsq___old(struct bpf_iter_scx_dsq *it__iter, struct task_struct *p, u64 dsq_id, u64 enq_flags) __ksym __weak;

#define scx_bpf_dsq_move_to_local(dsq_id, enq_flags)                           \
	(bpf_ksym_exists(scx_bpf_dsq_move_to_local___v2___compat) ?            \
	 scx_bpf_dsq_move_to_local___v2___compat((dsq_id), (enq_flags)) :      \
	 (bpf_ksym_exists(scx_bpf_dsq_move_to_local___v1) ?                    \
	  scx_bpf_dsq_move_to_local___v1((dsq_id)) :                           \
	  scx_bpf_consume___old((dsq_id))))

#define scx_bpf_dsq_move_set_slice(it__iter, slice)                            \
	(bpf_ksym_exists(scx_bpf_dsq_move_set_slice___new) ?                   \
	 scx_bpf_dsq_move_set_slice___new((it__iter), (slice)) :               \
	 (bpf_ksym_exists(scx_bpf_dispatch_from_dsq_set_slice___old) ?         \
	  scx_bpf_dispatch_from_dsq_set_slice___old((it__iter), (slice)) :     \
	  (void)0))

#define scx_bpf_dsq_move_set_vtime(it__iter, vtime)                            \
	(bpf_ksym_exists(scx_bpf_dsq_move_set_vtime___new) ?                   \
	 scx_bpf_dsq_move_set_vtime___new((it__iter), (vtime)) :               \
	 (bpf_ksym_exists(scx_bpf_dispatch_from_dsq_set_vtime___old) ?         \
	  scx_bpf_dispatch_from_dsq_set_vtime___old((it__iter), (vtime)) :     \
	  (void)0))

#define scx_bpf_dsq_move(it__iter, p, dsq_id, enq_flags)                       \
	(bpf_ksym_exists(scx_bpf_dsq_move___new) ?                             \
	 scx_bpf_dsq_move___new((it__iter), (p), (dsq_id), (enq_flags)) :      \
	 (bpf_ksym_exists(scx_bpf_dispatch_from_dsq___old) ?                   \
	  scx_bpf_dispatch_from_dsq___old((it__iter), (p), (dsq_id), (enq_flags)) : \
	  false))

#define scx_bpf_dsq_move_vtime(it__iter, p, dsq_id, enq_flags)                 \
	(bpf_ksym_exists(scx_bpf_dsq_move_vtime___new) ?                       \
	 scx_bpf_dsq_move_vtime___new((it__iter), (p), (dsq_id), (enq_flags)) : \
	 (bpf_ksym_exists(scx_bpf_dispatch_vtime_from_dsq___old) ?             \
	  scx_bpf_dispatch_vtime_from_dsq___old((it__iter), (p), (dsq_id), (enq_flags)) : \
	  false))

/* Whether select_cpu() ran for the wakeup that led to this enqueue() (true
 * on a host without SCX_ENQ_CPU_SELECTED, where it always did). */
static inline bool __COMPAT_is_enq_cpu_selected(u64 enq_flags)
{
	if (!bpf_core_enum_value_exists(enum scx_enq_flags, SCX_ENQ_CPU_SELECTED))
		return true;
	return enq_flags & bpf_core_enum_value(enum scx_enq_flags, SCX_ENQ_CPU_SELECTED);
}

/* v6.13 renamed scx_bpf_dispatch[_vtime]() to scx_bpf_dsq_insert[_vtime]();
 * v6.19 made scx_bpf_dsq_insert() return whether the insert was accepted
 * (the kernel symbol scx_bpf_dsq_insert___v2). Linux's vtime wrapper first
 * tries v6.19's __scx_bpf_dsq_insert_vtime(), which upsched lacks (issue 15).
 *
 * Linux's header makes these four wrappers static inline functions; here
 * they are macros with the same arguments and value, so that an error a
 * kfunc reports at run time names the policy's line, not this header's
 * (tests/upstream/sdk-parity-allow.txt). */
void scx_bpf_dispatch_vtime___compat(struct task_struct *p, u64 dsq_id, u64 slice, u64 vtime, u64 enq_flags) __ksym __weak;
void scx_bpf_dsq_insert_vtime___compat(struct task_struct *p, u64 dsq_id, u64 slice, u64 vtime, u64 enq_flags) __ksym __weak;

#define scx_bpf_dsq_insert_vtime(p, dsq_id, slice, vtime, enq_flags)           \
	((bpf_ksym_exists(scx_bpf_dsq_insert_vtime___compat) ?                 \
	  scx_bpf_dsq_insert_vtime___compat((p), (dsq_id), (slice), (vtime), (enq_flags)) : \
	  scx_bpf_dispatch_vtime___compat((p), (dsq_id), (slice), (vtime), (enq_flags))), \
	 true)

bool scx_bpf_dsq_insert___v2___compat(struct task_struct *p, u64 dsq_id, u64 slice, u64 enq_flags) __ksym __weak;
void scx_bpf_dsq_insert___v1(struct task_struct *p, u64 dsq_id, u64 slice, u64 enq_flags) __ksym __weak;
void scx_bpf_dispatch___compat(struct task_struct *p, u64 dsq_id, u64 slice, u64 enq_flags) __ksym __weak;

#define scx_bpf_dsq_insert(p, dsq_id, slice, enq_flags)                        \
	(bpf_ksym_exists(scx_bpf_dsq_insert___v2___compat) ?                   \
	 scx_bpf_dsq_insert___v2___compat((p), (dsq_id), (slice), (enq_flags)) : \
	 ((bpf_ksym_exists(scx_bpf_dsq_insert___v1) ?                          \
	   scx_bpf_dsq_insert___v1((p), (dsq_id), (slice), (enq_flags)) :      \
	   scx_bpf_dispatch___compat((p), (dsq_id), (slice), (enq_flags))),    \
	  true))

/* v6.19: the setters that check a sub-scheduler's authority; before, the
 * fields were written directly. */
bool scx_bpf_task_set_slice___new(struct task_struct *p, u64 slice) __ksym __weak;
bool scx_bpf_task_set_dsq_vtime___new(struct task_struct *p, u64 vtime) __ksym __weak;

#define scx_bpf_task_set_slice(__p, __slice)                                   \
	((void)(bpf_ksym_exists(scx_bpf_task_set_slice___new) ?                \
		scx_bpf_task_set_slice___new((__p), (__slice)) :               \
		((__p)->scx.slice = (__slice), true)))

#define scx_bpf_task_set_dsq_vtime(__p, __vtime)                               \
	((void)(bpf_ksym_exists(scx_bpf_task_set_dsq_vtime___new) ?            \
		scx_bpf_task_set_dsq_vtime___new((__p), (__vtime)) :           \
		((__p)->scx.dsq_vtime = (__vtime), true)))

#endif /* __UPSCHED_SCX_COMPAT_BPF_H__ */
