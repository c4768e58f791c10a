/* upsched/optional.h: calling upsched's extension kfuncs from a policy that
 * also loads into Linux's sched_ext.
 *
 * The extension kfuncs (events.h, locks.h, virt_hints.h) exist only in
 * upsched, and are declared __weak. Called through these macros, a missing
 * one costs nothing: libbpf leaves it unresolved, bpf_ksym_exists() on it
 * is then the constant 0, and Linux's verifier never reaches the call. In
 * upsched the call is made, and the capability it needs is checked at load
 * as for a direct call.
 *
 *   UPSCHED_CALL_OR(fallback, fn, args...)  fn(args) where fn exists, else fallback
 *   UPSCHED_CALL_IF(fn, args...)            fn(args) where fn exists (void kfuncs)
 *
 * Give as the fallback what the kfunc answers about a task the extension
 * knows nothing of (each header says: 0, -1, false), so that in Linux the
 * policy treats every task as upsched treats such a task.
 */
#ifndef __UPSCHED_OPTIONAL_H__
#define __UPSCHED_OPTIONAL_H__

#include "../scx/common.bpf.h"

#define UPSCHED_CALL_OR(fallback, fn, ...) (bpf_ksym_exists(fn) ? fn(__VA_ARGS__) : (fallback))

#define UPSCHED_CALL_IF(fn, ...)                                               \
	do {                                                                   \
		if (bpf_ksym_exists(fn))                                       \
			fn(__VA_ARGS__);                                       \
	} while (0)

#endif /* __UPSCHED_OPTIONAL_H__ */
