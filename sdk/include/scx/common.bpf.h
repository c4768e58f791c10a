/* scx/common.bpf.h: the sched_ext API for policies, upsched's own text with
 * the kernel's names. Include it first in a policy:
 *
 *   #include <scx/common.bpf.h>
 *
 * It brings in vmlinux.h (types and constants), the generic BPF vocabulary
 * (bpf/bpf_helpers.h, bpf/bpf_tracing.h, bpf/bpf_core_read.h), declares every
 * sched_ext kfunc upsched implements (the rows of src/policy/kfuncs.cpp are
 * the same list as data; a test keeps the two equal) and the usual macros:
 * BPF_STRUCT_OPS, SCX_OPS_DEFINE, scx_bpf_error, UEI_*, MEMBER_VPTR.
 *
 * Each kfunc may be called only from the callbacks that the v7.2 sched_ext
 * table allows (noted per group below); the verifier refuses other calls.
 * Capabilities: scx_bpf_kick_cpu needs sched.kick; upsched extensions are
 * in the upsched/ headers, with their capabilities.
 */
#ifndef __UPSCHED_SCX_COMMON_BPF_H__
#define __UPSCHED_SCX_COMMON_BPF_H__

/* Quoted and not relative: put another kernel's vmlinux.h earlier on the
 * include path (-I) to build the same policy for that kernel. Its kfunc
 * prototypes, if any, are not used: the declarations below are. */
#ifndef BPF_NO_KFUNC_PROTOTYPES
#define BPF_NO_KFUNC_PROTOTYPES
#endif
#include "vmlinux.h"
#include "../bpf/bpf_helpers.h"
#include "../bpf/bpf_tracing.h"
#include "../bpf/bpf_core_read.h"
#include "user_exit_info.bpf.h"

/* Task flags (p->flags) a policy commonly tests. */
#define PF_IDLE 0x00000002
#define PF_EXITING 0x00000004
#define PF_WQ_WORKER 0x00000020
#define PF_KTHREAD 0x00200000
#define PF_IO_WORKER 0x00000010
#define PF_KCOMPACTD 0x00010000
#define PF_KSWAPD 0x00020000

#ifndef NR_CPUS
#define NR_CPUS 1024
#endif

#define NUMA_NO_NODE (-1)

/* The errno values (ENOENT, ESRCH, EAGAIN, ...), as Linux's header has them:
 * from the system's linux-libc-dev. */
#include <asm-generic/errno.h>

#define CLOCK_MONOTONIC 1 /* for bpf_timer_init() */

/* ---- callbacks and the ops table ------------------------------------------ */

/* One callback: SEC("struct_ops/<name>"), bound to an ops member by the
 * `.member = name` initializer in SCX_OPS_DEFINE. */
#define BPF_STRUCT_OPS(name, args...) SEC("struct_ops/" #name) BPF_PROG(name, ##args)
/* A callback that may sleep (init, exit, init_task, cpu_online, ...): the
 * only programs that may call scx_bpf_create_dsq(). */
#define BPF_STRUCT_OPS_SLEEPABLE(name, args...)                                \
	SEC("struct_ops.s/" #name) BPF_PROG(name, ##args)

/* The ops table, attached through a link like the kernel's schedulers. */
#define SCX_OPS_DEFINE(__name, ...)                                            \
	SEC(".struct_ops.link") struct sched_ext_ops __name = { __VA_ARGS__ };

/* ---- kfuncs: inserting into DSQs (select_cpu, enqueue, dispatch) ----------- */

/* scx_bpf_dsq_insert(p, dsq_id, slice, enq_flags): buffered in dispatch,
 * immediate in select_cpu/enqueue; slice 0 keeps the task's slice; returns
 * whether the insert was accepted. scx_bpf_dsq_insert_vtime(p, dsq_id, slice,
 * vtime, enq_flags): ordered by vtime; user DSQs only, never one that
 * already holds FIFO tasks. Both are compat.bpf.h's wrappers, as in Linux. */

/* ---- kfuncs: dispatch only ------------------------------------------------ */

u32 scx_bpf_dispatch_nr_slots(void) __ksym;
void scx_bpf_dispatch_cancel(void) __ksym;
/* scx_bpf_dsq_move_to_local(dsq_id, enq_flags): moves the head of dsq_id to
 * this CPU's local DSQ; false if it was empty. A macro of compat.bpf.h, as
 * in Linux 7.1+ (the one-argument kfunc of older kernels is its fallback). */

/* ---- kfuncs: moving tasks met while iterating a DSQ (dispatch, unlocked) --- */

/* scx_bpf_dsq_move_set_slice/_set_vtime(it, v), scx_bpf_dsq_move[_vtime](it,
 * p, dsq_id, enq_flags): macros of compat.bpf.h, as in Linux. Inside
 * bpf_for_each(scx_dsq, ...), pass BPF_FOR_EACH_ITER as the iterator. */
#define BPF_FOR_EACH_ITER (&___it)

/* ---- kfuncs: sleepable callbacks (init, init_task, ...) -------------------- */

s32 scx_bpf_create_dsq(u64 dsq_id, s32 node) __ksym;

/* ---- kfuncs: CPU selection (select_cpu, enqueue; unlocked) ------------------ */

s32 scx_bpf_select_cpu_dfl(struct task_struct *p, s32 prev_cpu, u64 wake_flags, bool *is_idle) __ksym;

/* ---- kfuncs: built-in idle tracking (any callback) -------------------------- */

int scx_bpf_cpu_node(s32 cpu) __ksym;
const struct cpumask *scx_bpf_get_idle_cpumask(void) __ksym;
const struct cpumask *scx_bpf_get_idle_smtmask(void) __ksym;
void scx_bpf_put_idle_cpumask(const struct cpumask *cpumask) __ksym;
bool scx_bpf_test_and_clear_cpu_idle(s32 cpu) __ksym;
s32 scx_bpf_pick_idle_cpu(const cpumask_t *cpus_allowed, u64 flags) __ksym;
s32 scx_bpf_pick_any_cpu(const cpumask_t *cpus_allowed, u64 flags) __ksym;

/* ---- kfuncs: any callback ---------------------------------------------------- */

/* scx_bpf_task_set_slice(p, slice), scx_bpf_task_set_dsq_vtime(p, vtime):
 * wrappers of compat.bpf.h, as in Linux. */
/* sched.kick */
void scx_bpf_kick_cpu(s32 cpu, u64 flags) __ksym;
s32 scx_bpf_dsq_nr_queued(u64 dsq_id) __ksym;
void scx_bpf_destroy_dsq(u64 dsq_id) __ksym;
struct task_struct *scx_bpf_dsq_peek(u64 dsq_id) __ksym;
int bpf_iter_scx_dsq_new(struct bpf_iter_scx_dsq *it, u64 dsq_id, u64 flags) __ksym;
struct task_struct *bpf_iter_scx_dsq_next(struct bpf_iter_scx_dsq *it) __ksym;
void bpf_iter_scx_dsq_destroy(struct bpf_iter_scx_dsq *it) __ksym;
void scx_bpf_exit_bstr(s64 exit_code, char *fmt, unsigned long long *data, u32 data__sz) __ksym;
void scx_bpf_error_bstr(char *fmt, unsigned long long *data, u32 data_len) __ksym;
u32 scx_bpf_nr_node_ids(void) __ksym;
u32 scx_bpf_nr_cpu_ids(void) __ksym;
const struct cpumask *scx_bpf_get_possible_cpumask(void) __ksym;
const struct cpumask *scx_bpf_get_online_cpumask(void) __ksym;
void scx_bpf_put_cpumask(const struct cpumask *cpumask) __ksym;
bool scx_bpf_task_running(const struct task_struct *p) __ksym;
s32 scx_bpf_task_cpu(const struct task_struct *p) __ksym;
u64 scx_bpf_now(void) __ksym;

/* Topological CPU ids (cids, Linux 7.3): the CPUs numbered node by node,
 * LLC by LLC, core by core, SMT siblings consecutive, fixed while the
 * policy is loaded; [0, scx_bpf_nr_cids()). An invalid cpu or cid ends the
 * policy with an error naming the kfunc. scx_bpf_kick_cid needs
 * sched.kick, as scx_bpf_kick_cpu. The cmask helpers are in cid.bpf.h. */
s32 scx_bpf_cpu_to_cid(s32 cpu) __ksym __weak;
s32 scx_bpf_cid_to_cpu(s32 cid) __ksym __weak;
void scx_bpf_kick_cid(s32 cid, u64 flags) __ksym __weak;
s32 scx_bpf_task_cid(const struct task_struct *p) __ksym __weak;
s32 scx_bpf_this_cid(void) __ksym __weak;
u32 scx_bpf_nr_cids(void) __ksym __weak;
u32 scx_bpf_nr_online_cids(void) __ksym __weak;

/* ---- generic kfuncs --------------------------------------------------------- */

/* A reference to the task with this pid, or NULL: the caller's own tasks,
 * any task with sched.inspect. Release it with bpf_task_release(). */
struct task_struct *bpf_task_from_pid(s32 pid) __ksym;
void bpf_task_release(struct task_struct *p) __ksym;

/* cgroup: references to struct cgroup, released with bpf_cgroup_release()
 * (docs/upstream.md, *Cgroups*). */
struct cgroup *bpf_cgroup_ancestor(struct cgroup *cgrp, int level) __ksym;
struct cgroup *bpf_cgroup_acquire(struct cgroup *cgrp) __ksym;
void bpf_cgroup_release(struct cgroup *cgrp) __ksym;
struct cgroup *bpf_cgroup_from_id(u64 cgid) __ksym;

struct bpf_cpumask *bpf_cpumask_create(void) __ksym;
struct bpf_cpumask *bpf_cpumask_acquire(struct bpf_cpumask *cpumask) __ksym;
void bpf_cpumask_release(struct bpf_cpumask *cpumask) __ksym;
void bpf_cpumask_set_cpu(u32 cpu, struct bpf_cpumask *cpumask) __ksym;
void bpf_cpumask_clear_cpu(u32 cpu, struct bpf_cpumask *cpumask) __ksym;
bool bpf_cpumask_test_cpu(u32 cpu, const struct cpumask *cpumask) __ksym;
void bpf_cpumask_clear(struct bpf_cpumask *cpumask) __ksym;
void bpf_cpumask_setall(struct bpf_cpumask *cpumask) __ksym;
u32 bpf_cpumask_first(const struct cpumask *cpumask) __ksym;
u32 bpf_cpumask_first_zero(const struct cpumask *cpumask) __ksym;
bool bpf_cpumask_empty(const struct cpumask *cpumask) __ksym;
u32 bpf_cpumask_weight(const struct cpumask *cpumask) __ksym;
bool bpf_cpumask_and(struct bpf_cpumask *dst, const struct cpumask *src1, const struct cpumask *src2) __ksym;
void bpf_cpumask_or(struct bpf_cpumask *dst, const struct cpumask *src1, const struct cpumask *src2) __ksym;
void bpf_cpumask_copy(struct bpf_cpumask *dst, const struct cpumask *src) __ksym;
bool bpf_cpumask_subset(const struct cpumask *src1, const struct cpumask *src2) __ksym;
bool bpf_cpumask_intersects(const struct cpumask *src1, const struct cpumask *src2) __ksym;
u32 bpf_cpumask_any_distribute(const struct cpumask *cpumask) __ksym;

/* ---- formatted exits ------------------------------------------------------------
 * The format string lives in the object; the arguments travel as an array
 * of u64, and the host formats them into the exit report. */
#define SCX_STRINGIFY(x) #x
#define SCX_TOSTRING(x) SCX_STRINGIFY(x)

/* Declares ___fmt (the format) and ___param (the arguments, at least one
 * slot) for a *_bstr kfunc, as Linux's header names them. */
#define scx_bpf_bstr_preamble(fmt, args...)                                    \
	static char ___fmt[] = fmt;                                            \
	unsigned long long ___param[___bpf_narg(args) ?: 1] = {};              \
	_Pragma("GCC diagnostic push")                                         \
	_Pragma("GCC diagnostic ignored \"-Wint-conversion\"")                 \
	___bpf_fill(___param, args);                                           \
	_Pragma("GCC diagnostic pop")

/* Lets the compiler check a format against its arguments (-Wformat), as
 * Linux's header does; it compiles to nothing. */
static inline __attribute__((format(printf, 1, 2))) void ___scx_bpf_bstr_format_checker(const char *fmt, ...) {}

/* Eject this policy with a message (exit kind SCX_EXIT_ERROR_BPF). */
#define scx_bpf_error(fmt, args...)                                            \
	({                                                                     \
		scx_bpf_bstr_preamble(fmt, args)                               \
		scx_bpf_error_bstr(___fmt, ___param, sizeof(___param));        \
		___scx_bpf_bstr_format_checker(fmt, ##args);                   \
	})

/* Unload this policy normally (exit kind SCX_EXIT_UNREG_BPF). */
#define scx_bpf_exit(code, fmt, args...)                                       \
	({                                                                     \
		scx_bpf_bstr_preamble(fmt, args)                               \
		scx_bpf_exit_bstr((code), ___fmt, ___param, sizeof(___param)); \
		___scx_bpf_bstr_format_checker(fmt, ##args);                   \
	})

/* ---- helpers for policy code ------------------------------------------------------ */

/* Pointer to (base)member if it lies inside base, else NULL; for indexing
 * arrays in globals with a value the verifier cannot bound by itself:
 * MEMBER_VPTR(cpu_ctx, [cpu].nr_queued). */
#define MEMBER_VPTR(base, member)                                              \
	({                                                                     \
		u64 ___off = (u64)((char *)&(base)member - (char *)&(base)); \
		barrier_var(___off);                                       \
		(___off <= sizeof(base) - sizeof((base)member)             \
			 ? (typeof((base)member) *)((char *)&(base) + ___off) \
			 : (typeof((base)member) *)0);                          \
	})

/* Comparisons of times (or vtimes), wrap-safe, as <linux/jiffies.h> has
 * them; time_delta() is after - before, or 0 when before is later. */
static inline s64 time_delta(u64 after, u64 before)
{
	return (s64)(after - before) > 0 ? (s64)(after - before) : 0;
}

static inline bool time_after(u64 a, u64 b)
{
	return (s64)(b - a) < 0;
}

static inline bool time_before(u64 a, u64 b)
{
	return time_after(b, a);
}

static inline bool time_after_eq(u64 a, u64 b)
{
	return (s64)(a - b) >= 0;
}

static inline bool time_before_eq(u64 a, u64 b)
{
	return time_after_eq(b, a);
}

/* a in [b, c] */
static inline bool time_in_range(u64 a, u64 b, u64 c)
{
	return time_after_eq(a, b) && time_before_eq(a, c);
}

/* a in [b, c) */
static inline bool time_in_range_open(u64 a, u64 b, u64 c)
{
	return time_after_eq(a, b) && time_before(a, c);
}

/* A bpf_cpumask read as a const struct cpumask (to test its bits). */
static __always_inline const struct cpumask *cast_mask(struct bpf_cpumask *mask)
{
	return (const struct cpumask *)mask;
}

/* value scaled in proportion to the task's weight (100 = nice 0). */
static inline u64 scale_by_task_weight(const struct task_struct *p, u64 value)
{
	return (value * p->scx.weight) / 100;
}

/* value scaled in inverse proportion to the task's weight. */
static inline u64 scale_by_task_weight_inverse(const struct task_struct *p, u64 value)
{
	return value * 100 / p->scx.weight;
}

static __always_inline bool is_migration_disabled(const struct task_struct *p)
{
	return p->migration_disabled != 0;
}

/* An array global the loader resizes (to the CPU count, say) before load:
 * declared with one element, in a section of its own (.data.NAME,
 * .bss.NAME or .rodata.NAME), as Linux's header declares it. */
#define RESIZABLE_ARRAY(elfsec, arr) arr[1] SEC("." #elfsec "." #arr)

/* &arr[i] when i < n, else NULL. The bound test is hidden from the
 * compiler, so that it stays in the program for the verifier to see
 * against the array's size after a resize. */
#define ARRAY_ELEM_PTR(arr, i, n)                                              \
	((typeof(&(arr)[0]))({                                                 \
		u64 ___base = (u64)(arr);                                  \
		u64 ___off = (u64)&((arr)[i]) - ___base;               \
		asm volatile("if %0 <= %[max] goto +2\n"                       \
			     "%0 = 0\n"                                        \
			     "goto +1\n"                                       \
			     "%0 += %1\n"                                      \
			     : "+r"(___off)                                 \
			     : "r"(___base),                                \
			       [max] "r"(sizeof((arr)[0]) * ((n) - 1)));        \
		___off;                                                    \
	}))

/* Keeps a value alive (and in a register) for the verifier's sake. */
#define __sink(expr) asm volatile("" : "+g"(expr))

/* A bpf_list_head/bpf_rb_root that holds `struct name` linked through its
 * member `node`. */
#define __contains(name, node) __attribute__((btf_decl_tag("contains:" #name ":" #node)))
/* A global in a data section of its own (.data.name): the place for a
 * bpf_spin_lock and what it guards. */
#define private(name) SEC(".data." #name) __hidden __attribute__((aligned(8)))

/* Allocated objects of the program's own types (docs/policy-api.md,
 * "Objects, rbtrees and kptrs"): bpf_obj_new returns an owning reference
 * to a zeroed object, which must be dropped, added to an rbtree or stored
 * in a __kptr field (bpf_kptr_xchg) before the callback returns. */
void *bpf_obj_new_impl(__u64 local_type_id, void *meta) __ksym;
void bpf_obj_drop_impl(void *kptr, void *meta) __ksym;

#define bpf_obj_new(type) ((type *)bpf_obj_new_impl(bpf_core_type_id_local(type), NULL))
#define bpf_obj_drop(kptr) bpf_obj_drop_impl(kptr, NULL)

/* Only while holding the bpf_spin_lock of the root's data section. */
struct bpf_rb_node *bpf_rbtree_remove(struct bpf_rb_root *root,
				      struct bpf_rb_node *node) __ksym;
int bpf_rbtree_add_impl(struct bpf_rb_root *root, struct bpf_rb_node *node,
			bool (less)(struct bpf_rb_node *a, const struct bpf_rb_node *b),
			void *meta, __u64 off) __ksym;
#define bpf_rbtree_add(head, node, less) bpf_rbtree_add_impl(head, node, less, NULL, 0)

struct bpf_rb_node *bpf_rbtree_first(struct bpf_rb_root *root) __ksym;

/* Resilient spin locks: a struct bpf_res_spin_lock in a map value or a
 * section of its own (private()), with bpf_spin_lock's rules: one lock at a
 * time, no calls while it is held but the unlock, released before the
 * callback returns. Linux's may fail (deadlock, timeout: nonzero) and the
 * caller must test it; upsched's returns 0, as nothing else can hold it. */
/* RCU read sections: bpf_rcu_read_lock() opens one (they nest),
 * bpf_rcu_read_unlock() closes it; every path closes what it opens, and
 * nothing that may sleep is called inside (the verifier's rules). */
void bpf_rcu_read_lock(void) __ksym;
void bpf_rcu_read_unlock(void) __ksym;

int bpf_res_spin_lock(struct bpf_res_spin_lock *lock) __ksym __weak;
void bpf_res_spin_unlock(struct bpf_res_spin_lock *lock) __ksym __weak;

#ifndef __maybe_unused
#define __maybe_unused __attribute__((__unused__))
#endif

/* READ_ONCE(x) / WRITE_ONCE(x, val): one access of x's width, never torn,
 * merged or repeated by the compiler (as <linux/compiler.h> has them). */
typedef __u8 __attribute__((__may_alias__)) __u8_alias_t;
typedef __u16 __attribute__((__may_alias__)) __u16_alias_t;
typedef __u32 __attribute__((__may_alias__)) __u32_alias_t;
typedef __u64 __attribute__((__may_alias__)) __u64_alias_t;

static __always_inline void __read_once_size(const volatile void *p, void *res, int size)
{
	switch (size) {
	case 1: *(__u8_alias_t *)res = *(volatile __u8_alias_t *)p; break;
	case 2: *(__u16_alias_t *)res = *(volatile __u16_alias_t *)p; break;
	case 4: *(__u32_alias_t *)res = *(volatile __u32_alias_t *)p; break;
	case 8: *(__u64_alias_t *)res = *(volatile __u64_alias_t *)p; break;
	default:
		barrier();
		__builtin_memcpy((void *)res, (const void *)p, size);
		barrier();
	}
}

static __always_inline void __write_once_size(volatile void *p, void *res, int size)
{
	switch (size) {
	case 1: *(volatile __u8_alias_t *)p = *(__u8_alias_t *)res; break;
	case 2: *(volatile __u16_alias_t *)p = *(__u16_alias_t *)res; break;
	case 4: *(volatile __u32_alias_t *)p = *(__u32_alias_t *)res; break;
	case 8: *(volatile __u64_alias_t *)p = *(__u64_alias_t *)res; break;
	default:
		barrier();
		__builtin_memcpy((void *)p, (const void *)res, size);
		barrier();
	}
}

/* typeof(x) without const/volatile, for the union below. */
#define __scalar_type_to_expr_cases(type) unsigned type : (unsigned type)0, signed type : (signed type)0
#define __unqual_typeof(x)                                                     \
	typeof(_Generic((x), char: (char)0, __scalar_type_to_expr_cases(char),  \
			__scalar_type_to_expr_cases(short),                    \
			__scalar_type_to_expr_cases(int),                      \
			__scalar_type_to_expr_cases(long),                     \
			__scalar_type_to_expr_cases(long long),                \
			default: (typeof(x))0))

#define READ_ONCE(x)                                                           \
	({                                                                     \
		union { __unqual_typeof(x) __val; char __c[1]; } __u = { .__c = { 0 } }; \
		__read_once_size((__unqual_typeof(x) *)&(x), __u.__c, sizeof(x)); \
		__u.__val;                                                     \
	})

#define WRITE_ONCE(x, val)                                                     \
	({                                                                     \
		union { __unqual_typeof(x) __val; char __c[1]; } __u = { .__val = (val) }; \
		__write_once_size((__unqual_typeof(x) *)&(x), __u.__c, sizeof(x)); \
		__u.__val;                                                     \
	})

/* An exponentially decaying average: old weighted (2^decay - 1) / 2^decay,
 * new 1 / 2^decay (both halves while either is below 2^decay). */
#define __calc_avg(old, new, decay)                                            \
	({                                                                     \
		typeof(decay) thr = 1 << (decay);                              \
		typeof(old) ret;                                               \
		if (((old) < thr) || ((new) < thr)) {                          \
			if (((old) == 1) && ((new) == 0))                      \
				ret = 0;                                       \
			else                                                   \
				ret = ((old) - ((old) >> 1)) + ((new) >> 1);   \
		} else {                                                       \
			ret = ((old) - ((old) >> (decay))) + ((new) >> (decay)); \
		}                                                              \
		ret;                                                           \
	})

/* floor(log2(v)) for v > 0 (0 for 0). */
static inline u32 log2_u32(u32 v)
{
	u32 r, shift;

	r = (v > 0xFFFF) << 4; v >>= r;
	shift = (v > 0xFF) << 3; v >>= shift; r |= shift;
	shift = (v > 0xF) << 2; v >>= shift; r |= shift;
	shift = (v > 0x3) << 1; v >>= shift; r |= shift;
	r |= (v >> 1);
	return r;
}

/* floor(log2(v)) + 1 for v > 0: the number of bits v needs. */
static inline u32 log2_u64(u64 v)
{
	u32 hi = v >> 32;

	if (hi)
		return log2_u32(hi) + 32 + 1;
	return log2_u32(v) + 1;
}

/* An integer square root (Newton's method, at most 8 steps). */
static inline u64 __sqrt_u64(u64 x)
{
	u64 r;

	if (x == 0 || x == 1)
		return x;
	r = ((1ULL << 32) > x) ? x : (1ULL << 32);
	for (int i = 0; i < 8; ++i) {
		u64 q = x / r;

		if (r <= q)
			break;
		r = (r + q) >> 1;
	}
	return r;
}

/* The number of trailing zero bits of v, -1 for 0. clang's BPF backend has
 * the builtin from clang 19; before, a binary search. */
static inline int ctzll(u64 v)
{
#if defined(__clang_major__) && __clang_major__ >= 19
	return v ? __builtin_ctzll(v) : -1;
#else
	int n = 0;

	if (v == 0)
		return -1;
	if (!(v & 0xFFFFFFFFULL)) { n += 32; v >>= 32; }
	if (!(v & 0xFFFFULL)) { n += 16; v >>= 16; }
	if (!(v & 0xFFULL)) { n += 8; v >>= 8; }
	if (!(v & 0xFULL)) { n += 4; v >>= 4; }
	if (!(v & 0x3ULL)) { n += 2; v >>= 2; }
	if (!(v & 0x1ULL)) n += 1;
	return n;
#endif
}

static inline u64 get_prandom_u64(void)
{
	return ((u64)bpf_get_prandom_u32() << 32) | bpf_get_prandom_u32();
}

/* The value of an event counter of struct scx_event_stats, 0 when the host
 * does not count it. */
#define scx_read_event(e, name) (bpf_core_field_exists((e)->name) ? (e)->name : 0)

/* <linux/overflow.h>'s struct_size() family, abbreviated as Linux's header
 * has them. */
#define flex_array_size(p, member, count) ((count) * sizeof(*(p)->member))
#define struct_size(p, member, count)                                          \
	(offsetof(typeof(*(p)), member) + flex_array_size(p, member, count))
#define struct_size_t(type, member, count) struct_size((type *)NULL, member, count)

#include "compat.bpf.h"
#include "cid.bpf.h"

#endif /* __UPSCHED_SCX_COMMON_BPF_H__ */
