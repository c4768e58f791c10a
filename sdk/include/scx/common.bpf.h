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

/* Task flags (p->flags) a policy commonly tests. */
#define PF_IDLE 0x00000002
#define PF_EXITING 0x00000004
#define PF_WQ_WORKER 0x00000020
#define PF_KTHREAD 0x00200000

#define U64_MAX ((u64)~0ULL)
#define U32_MAX ((u32)~0U)
#define S32_MAX ((s32)(U32_MAX >> 1))
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

/* Buffered in dispatch, immediate in select_cpu/enqueue; slice 0 keeps the
 * task's slice. Void like the v6.13+ kernel symbol; ___v2 returns whether the
 * insert was accepted. */
void scx_bpf_dsq_insert(struct task_struct *p, u64 dsq_id, u64 slice, u64 enq_flags) __ksym;
bool scx_bpf_dsq_insert___v2(struct task_struct *p, u64 dsq_id, u64 slice, u64 enq_flags) __ksym __weak;
/* Ordered by vtime; user DSQs only, never one that already holds FIFO tasks. */
void scx_bpf_dsq_insert_vtime(struct task_struct *p, u64 dsq_id, u64 slice, u64 vtime, u64 enq_flags) __ksym;

/* ---- kfuncs: dispatch only ------------------------------------------------ */

u32 scx_bpf_dispatch_nr_slots(void) __ksym;
void scx_bpf_dispatch_cancel(void) __ksym;
/* scx_bpf_dsq_move_to_local(dsq_id, enq_flags): moves the head of dsq_id to
 * this CPU's local DSQ; false if it was empty. A macro of compat.bpf.h, as
 * in Linux 7.1+ (the one-argument kfunc of older kernels is its fallback). */

/* ---- kfuncs: moving tasks met while iterating a DSQ (dispatch, unlocked) --- */

void scx_bpf_dsq_move_set_slice(struct bpf_iter_scx_dsq *it__iter, u64 slice) __ksym;
void scx_bpf_dsq_move_set_vtime(struct bpf_iter_scx_dsq *it__iter, u64 vtime) __ksym;
bool scx_bpf_dsq_move(struct bpf_iter_scx_dsq *it__iter, struct task_struct *p, u64 dsq_id, u64 enq_flags) __ksym;
bool scx_bpf_dsq_move_vtime(struct bpf_iter_scx_dsq *it__iter, struct task_struct *p, u64 dsq_id, u64 enq_flags) __ksym;

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

bool scx_bpf_task_set_slice(struct task_struct *p, u64 slice) __ksym;
bool scx_bpf_task_set_dsq_vtime(struct task_struct *p, u64 vtime) __ksym;
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

/* ---- generic kfuncs --------------------------------------------------------- */

/* A reference to the task with this pid, or NULL: the caller's own tasks,
 * any task with sched.inspect. Release it with bpf_task_release(). */
struct task_struct *bpf_task_from_pid(s32 pid) __ksym;
void bpf_task_release(struct task_struct *p) __ksym;

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

/* ---- the v6.12 names (renamed in v6.13) --------------------------------------- */

#define scx_bpf_dispatch(p, dsq_id, slice, enq_flags)                          \
	scx_bpf_dsq_insert((p), (dsq_id), (slice), (enq_flags))
#define scx_bpf_dispatch_vtime(p, dsq_id, slice, vtime, enq_flags)             \
	scx_bpf_dsq_insert_vtime((p), (dsq_id), (slice), (vtime), (enq_flags))
#define scx_bpf_consume(dsq_id) scx_bpf_dsq_move_to_local((dsq_id), 0)
#define scx_bpf_dispatch_from_dsq(it, p, dsq_id, enq_flags)                    \
	scx_bpf_dsq_move((it), (p), (dsq_id), (enq_flags))
#define scx_bpf_dispatch_vtime_from_dsq(it, p, dsq_id, enq_flags)              \
	scx_bpf_dsq_move_vtime((it), (p), (dsq_id), (enq_flags))
#define scx_bpf_dispatch_from_dsq_set_slice(it, slice)                         \
	scx_bpf_dsq_move_set_slice((it), (slice))
#define scx_bpf_dispatch_from_dsq_set_vtime(it, vtime)                         \
	scx_bpf_dsq_move_set_vtime((it), (vtime))

/* ---- formatted exits ------------------------------------------------------------
 * The format string lives in the object; the arguments travel as an array
 * of u64, and the host formats them into the exit report. */
#define ___ups_fill0(arr)
#define ___ups_fill1(arr, a) arr[0] = (a)
#define ___ups_fill2(arr, a, b) ___ups_fill1(arr, a); arr[1] = (b)
#define ___ups_fill3(arr, a, b, c) ___ups_fill2(arr, a, b); arr[2] = (c)
#define ___ups_fill4(arr, a, b, c, d) ___ups_fill3(arr, a, b, c); arr[3] = (d)
#define ___ups_fill5(arr, a, b, c, d, e)                                       \
	___ups_fill4(arr, a, b, c, d); arr[4] = (e)
#define ___ups_fill6(arr, a, b, c, d, e, f)                                    \
	___ups_fill5(arr, a, b, c, d, e); arr[5] = (f)
#define ___ups_fill7(arr, a, b, c, d, e, f, g)                                 \
	___ups_fill6(arr, a, b, c, d, e, f); arr[6] = (g)
#define ___ups_fill8(arr, a, b, c, d, e, f, g, h)                              \
	___ups_fill7(arr, a, b, c, d, e, f, g); arr[7] = (h)
#define ___ups_fill(arr, args...)                                              \
	___ups_apply(___ups_fill, ___ups_narg(args))(arr, ##args)

#define ___ups_bstr_args(fmt, args...)                                         \
	static char ___ups_fmt[] = fmt;                                        \
	unsigned long long ___ups_param[___ups_narg(args) + 1];                \
	_Pragma("GCC diagnostic push")                                         \
	_Pragma("GCC diagnostic ignored \"-Wint-conversion\"")                 \
	___ups_fill(___ups_param, ##args);                                     \
	_Pragma("GCC diagnostic pop")

/* Eject this policy with a message (exit kind SCX_EXIT_ERROR_BPF). */
#define scx_bpf_error(fmt, args...)                                            \
	({                                                                     \
		___ups_bstr_args(fmt, ##args);                                 \
		scx_bpf_error_bstr(___ups_fmt, ___ups_param,                   \
				   sizeof(unsigned long long) * ___ups_narg(args)); \
	})

/* Unload this policy normally (exit kind SCX_EXIT_UNREG_BPF). */
#define scx_bpf_exit(code, fmt, args...)                                       \
	({                                                                     \
		___ups_bstr_args(fmt, ##args);                                 \
		scx_bpf_exit_bstr((code), ___ups_fmt, ___ups_param,            \
				  sizeof(unsigned long long) * ___ups_narg(args)); \
	})

/* ---- exit information for user space ---------------------------------------- */

#define UEI_REASON_LEN 128
#define UEI_MSG_LEN 1024

struct user_exit_info {
	int kind;
	s64 exit_code;
	char reason[UEI_REASON_LEN];
	char msg[UEI_MSG_LEN];
};

/* A global that ops.exit() fills for whoever loaded the policy. */
#define UEI_DEFINE(__name) struct user_exit_info __name SEC(".data")

#define UEI_RECORD(__uei_name, __ei)                                           \
	({                                                                     \
		bpf_probe_read_kernel_str(__uei_name.reason,                   \
					  sizeof(__uei_name.reason), (__ei)->reason); \
		bpf_probe_read_kernel_str(__uei_name.msg,                      \
					  sizeof(__uei_name.msg), (__ei)->msg); \
		__uei_name.exit_code = (__ei)->exit_code;                      \
		/* kind last: user space polls it to know the record is whole */ \
		__sync_lock_test_and_set(&__uei_name.kind, (__ei)->kind);      \
	})

/* ---- helpers for policy code ------------------------------------------------------ */

/* Pointer to (base)member if it lies inside base, else NULL; for indexing
 * arrays in globals with a value the verifier cannot bound by itself:
 * MEMBER_VPTR(cpu_ctx, [cpu].nr_queued). */
#define MEMBER_VPTR(base, member)                                              \
	({                                                                     \
		u64 ___ups_off = (u64)((char *)&(base)member - (char *)&(base)); \
		barrier_var(___ups_off);                                       \
		(___ups_off <= sizeof(base) - sizeof((base)member)             \
			 ? (typeof((base)member) *)((char *)&(base) + ___ups_off) \
			 : (typeof((base)member) *)0);                          \
	})

/* Whether time (or vtime) a is after b, wrap-safe. */
static inline bool time_after(u64 a, u64 b)
{
	return (s64)(b - a) < 0;
}

/* Whether time (or vtime) a is before b, wrap-safe. */
static inline bool time_before(u64 a, u64 b)
{
	return time_after(b, a);
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
		u64 ___ups_base = (u64)(arr);                                  \
		u64 ___ups_off = (u64)&((arr)[i]) - ___ups_base;               \
		asm volatile("if %0 <= %[max] goto +2\n"                       \
			     "%0 = 0\n"                                        \
			     "goto +1\n"                                       \
			     "%0 += %1\n"                                      \
			     : "+r"(___ups_off)                                 \
			     : "r"(___ups_base),                                \
			       [max] "r"(sizeof((arr)[0]) * ((n) - 1)));        \
		___ups_off;                                                    \
	}))

#include "compat.bpf.h"

#endif /* __UPSCHED_SCX_COMMON_BPF_H__ */
