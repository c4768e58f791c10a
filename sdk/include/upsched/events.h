/* upsched/events.h: which event a task waits for (the FaaS extension).
 *
 * Capability: sched.events. A policy that calls any of these kfuncs is
 * refused at load for a principal without sched.events, and the verifier's
 * message names the capability.
 *
 * The core knows when a task blocks on an event, and when a runnable task
 * only spin-polls one (a function runtime with no request to serve). A
 * policy can use it to keep such runtimes off the CPUs while others have
 * work, and to run them promptly once their event fires.
 *
 * These are upsched extensions. Called through upsched/optional.h's macros
 * (UPSCHED_CALL_OR, UPSCHED_CALL_IF), they let the same object load into
 * Linux's sched_ext too, where the calls are skipped and the policy sees
 * every task as one the extension knows nothing of.
 */
#ifndef __UPSCHED_EVENTS_H__
#define __UPSCHED_EVENTS_H__

#include "../scx/common.bpf.h"
#include "optional.h"

/* The event p waits for (blocked on it or spin-polling it), 0 = none. */
u64 upsched_task_wait_event(struct task_struct *p) __ksym __weak;
/* p is runnable but only polls an event: CPU it gets is wasted until the
 * event fires. */
bool upsched_task_is_spinning(struct task_struct *p) __ksym __weak;
/* The event has been signalled since its waiters began to wait. */
bool upsched_event_fired(u64 event) __ksym __weak;

/* A runnable task that burns CPU waiting for something that has not
 * happened yet. */
static __always_inline bool upsched_task_is_idle_polling(struct task_struct *p)
{
	u64 ev;

	if (!UPSCHED_CALL_OR(false, upsched_task_is_spinning, p))
		return false;
	ev = upsched_task_wait_event(p);
	return ev != 0 && !upsched_event_fired(ev);
}

#endif /* __UPSCHED_EVENTS_H__ */
