/* upsched/locks.h: lock holders (the lock-aware extension).
 *
 * Capability: sched.locks. A policy that calls these kfuncs is refused at
 * load for a principal without sched.locks, naming the capability.
 *
 * The core tracks which task holds each lock it manages (user-space locks
 * are invisible to a kernel scheduler; upsched's core sees them). A policy
 * can boost a lock holder that others wait for, or avoid preempting it.
 *
 * These are upsched extensions. Called through upsched/optional.h's macros
 * (UPSCHED_CALL_OR, UPSCHED_CALL_IF), they let the same object load into
 * Linux's sched_ext too, where the calls are skipped and the policy sees
 * every task as one the extension knows nothing of.
 */
#ifndef __UPSCHED_LOCKS_H__
#define __UPSCHED_LOCKS_H__

#include "../scx/common.bpf.h"
#include "optional.h"

/* The lock p is blocked on or spinning for, 0 = none. */
u64 upsched_task_lock_wait(struct task_struct *p) __ksym __weak;
/* The pid of the task holding the lock p waits for, 0 = none (p waits for
 * nothing, or the lock is free). Look the holder up with bpf_task_from_pid()
 * (own tasks; any task with sched.inspect). */
s32 upsched_task_lock_holder(struct task_struct *p) __ksym __weak;
/* How many tasks wait for locks that p holds. */
u32 upsched_task_lock_waiters(struct task_struct *p) __ksym __weak;

#endif /* __UPSCHED_LOCKS_H__ */
