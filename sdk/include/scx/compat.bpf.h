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

/* Whether select_cpu() ran for the wakeup that led to this enqueue(). */
#define __COMPAT_is_enq_cpu_selected(enq_flags)                                \
	(bpf_core_enum_value_exists(enum scx_enq_flags, SCX_ENQ_CPU_SELECTED) && \
	 ((enq_flags) & SCX_ENQ_CPU_SELECTED))

/* Moves from an iterated DSQ under their pre-v6.13 and current names. */
#define __COMPAT_scx_bpf_dsq_move_set_slice(it, slice)                         \
	scx_bpf_dsq_move_set_slice((it), (slice))
#define __COMPAT_scx_bpf_dsq_move_set_vtime(it, vtime)                         \
	scx_bpf_dsq_move_set_vtime((it), (vtime))
#define __COMPAT_scx_bpf_dsq_move(it, p, dsq_id, enq_flags)                    \
	scx_bpf_dsq_move((it), (p), (dsq_id), (enq_flags))
#define __COMPAT_scx_bpf_dsq_move_vtime(it, p, dsq_id, enq_flags)              \
	scx_bpf_dsq_move_vtime((it), (p), (dsq_id), (enq_flags))

/*
 * scx_bpf_dsq_move_to_local() took enq_flags in Linux 7.1
 * (scx_bpf_dsq_move_to_local___v2); before, one argument, and before 6.13
 * it was scx_bpf_consume(). The same macro as Linux's compat.bpf.h: on
 * upsched the first always exists.
 */
bool scx_bpf_dsq_move_to_local___v2___compat(u64 dsq_id, u64 enq_flags) __ksym __weak;
bool scx_bpf_dsq_move_to_local___v1(u64 dsq_id) __ksym __weak;
bool scx_bpf_consume___old(u64 dsq_id) __ksym __weak;

#define scx_bpf_dsq_move_to_local(dsq_id, enq_flags)                           \
	(bpf_ksym_exists(scx_bpf_dsq_move_to_local___v2___compat) ?            \
	 scx_bpf_dsq_move_to_local___v2___compat((dsq_id), (enq_flags)) :      \
	 (bpf_ksym_exists(scx_bpf_dsq_move_to_local___v1) ?                    \
	  scx_bpf_dsq_move_to_local___v1((dsq_id)) :                           \
	  scx_bpf_consume___old((dsq_id))))

#endif /* __UPSCHED_SCX_COMPAT_BPF_H__ */
