/* bpf_helpers.h: the generic BPF vocabulary of a policy (upsched's own text,
 * libbpf's names): section and attribute macros, BTF-defined map macros,
 * helper declarations with the Linux helper ids, bpf_printk and the
 * open-coded loops bpf_for / bpf_repeat / bpf_for_each.
 *
 * Helpers are called by id: `static long (* const name)(...) = (void *) ID;`
 * compiles to `call ID`. Capabilities: the bpf_timer_* helpers need
 * sched.timer; every other helper here is available to any loader.
 */
#ifndef __UPSCHED_BPF_HELPERS_H__
#define __UPSCHED_BPF_HELPERS_H__

/* ---- sections and attributes ------------------------------------------ */

#define SEC(name) __attribute__((section(name), used))

#ifndef __always_inline
#define __always_inline inline __attribute__((always_inline))
#endif
#ifndef __noinline
#define __noinline __attribute__((noinline))
#endif
#ifndef __weak
#define __weak __attribute__((weak))
#endif
#ifndef __hidden
#define __hidden __attribute__((visibility("hidden")))
#endif
/* BTF tags the verifier reads: a kernel pointer stored in a map value or
 * an allocated object (__kptr, __kptr_untrusted, __percpu_kptr), a user
 * pointer (__uptr), and what a global function's argument must be
 * (__arg_*). */
#define __kptr_untrusted __attribute__((btf_type_tag("kptr_untrusted")))
#define __kptr __attribute__((btf_type_tag("kptr")))
#define __percpu_kptr __attribute__((btf_type_tag("percpu_kptr")))
#define __uptr __attribute__((btf_type_tag("uptr")))
#define __arg_ctx __attribute__((btf_decl_tag("arg:ctx")))
#define __arg_nonnull __attribute((btf_decl_tag("arg:nonnull")))
#define __arg_nullable __attribute((btf_decl_tag("arg:nullable")))
#define __arg_trusted __attribute((btf_decl_tag("arg:trusted")))
#define __arg_arena __attribute((btf_decl_tag("arg:arena")))

#define KERNEL_VERSION(a, b, c) (((a) << 16) + ((b) << 8) + ((c) > 255 ? 255 : (c)))

/* A compiler barrier. */
#define barrier() asm volatile("" ::: "memory")

/* Map pinning and kconfig tristates, as libbpf numbers them. */
enum libbpf_pin_type {
	LIBBPF_PIN_NONE,
	LIBBPF_PIN_BY_NAME,
};

enum libbpf_tristate {
	TRI_NO = 0,
	TRI_YES = 1,
	TRI_MODULE = 2,
};

/* An extern resolved by name against the host's kfunc table. */
#define __ksym __attribute__((section(".ksyms")))
/* An extern read from the host's configuration block (__weak: 0 if absent). */
#define __kconfig __attribute__((section(".kconfig")))

#ifndef likely
#define likely(x) __builtin_expect(!!(x), 1)
#endif
#ifndef unlikely
#define unlikely(x) __builtin_expect(!!(x), 0)
#endif

#ifndef NULL
#define NULL ((void *)0)
#endif

#ifndef offsetof
#define offsetof(type, member) __builtin_offsetof(type, member)
#endif

#ifndef container_of
#define container_of(ptr, type, member)                                        \
	((type *)((void *)(ptr) - offsetof(type, member)))
#endif

/* Keeps the compiler from reasoning about a value (range checks that must
 * stay in the code for the verifier). */
#define barrier_var(var) asm volatile("" : "+r"(var))

/* True when a __weak kfunc extern was resolved by the loader. */
#define bpf_ksym_exists(sym)                                                   \
	({                                                                     \
		_Static_assert(!__builtin_constant_p(!!(sym)),                 \
			       #sym " should be marked as __weak");            \
		!!(sym);                                                       \
	})

/* ---- BTF-defined maps ---------------------------------------------------
 * __uint(n, V) becomes a member `int (*n)[V]`, __type(n, T) a member `T *n`:
 * the loader reads both back from BTF. */
#define __uint(name, val) int (*name)[val]
#define __type(name, val) typeof(val) *name
#define __array(name, val) typeof(val) *name[]
/* A map attribute wider than int (an arena's map_extra, say): an enum
 * member of type `enum { ... = val } name`. */
#define __ulong(name, val) enum { ___bpf_concat(__unique_value, __COUNTER__) = val } name

/* ---- helpers (include/uapi/linux/bpf.h ids) ------------------------------- */

static void *(* const bpf_map_lookup_elem)(void *map, const void *key) = (void *) 1;
static long (* const bpf_map_update_elem)(void *map, const void *key, const void *value, u64 flags) = (void *) 2;
static long (* const bpf_map_delete_elem)(void *map, const void *key) = (void *) 3;
static u64 (* const bpf_ktime_get_ns)(void) = (void *) 5;
static long (* const bpf_trace_printk)(const char *fmt, u32 fmt_size, ...) = (void *) 6;
static u32 (* const bpf_get_prandom_u32)(void) = (void *) 7;
static u32 (* const bpf_get_smp_processor_id)(void) = (void *) 8;
static long (* const bpf_map_push_elem)(void *map, const void *value, u64 flags) = (void *) 87;
static long (* const bpf_map_pop_elem)(void *map, void *value) = (void *) 88;
static long (* const bpf_map_peek_elem)(void *map, void *value) = (void *) 89;
static long (* const bpf_spin_lock)(struct bpf_spin_lock *lock) = (void *) 93;
static long (* const bpf_spin_unlock)(struct bpf_spin_lock *lock) = (void *) 94;
static long (* const bpf_probe_read_kernel)(void *dst, u32 size, const void *unsafe_ptr) = (void *) 113;
static long (* const bpf_probe_read_kernel_str)(void *dst, u32 size, const void *unsafe_ptr) = (void *) 115;
static void *(* const bpf_task_storage_get)(void *map, struct task_struct *task, void *value, u64 flags) = (void *) 156;
static long (* const bpf_task_storage_delete)(void *map, struct task_struct *task) = (void *) 157;
static long (* const bpf_snprintf)(char *str, u32 str_size, const char *fmt, u64 *data, u32 data_len) = (void *) 165;
static long (* const bpf_trace_vprintk)(const char *fmt, u32 fmt_size, const void *data, u32 data_len) = (void *) 177;
static void *(* const bpf_cgrp_storage_get)(void *map, struct cgroup *cgroup, void *value, u64 flags) = (void *) 210;
static long (* const bpf_cgrp_storage_delete)(void *map, struct cgroup *cgroup) = (void *) 211;
/* sched.timer */
static long (* const bpf_timer_init)(struct bpf_timer *timer, void *map, u64 flags) = (void *) 169;
static long (* const bpf_timer_set_callback)(struct bpf_timer *timer, void *callback_fn) = (void *) 170;
static long (* const bpf_timer_start)(struct bpf_timer *timer, u64 nsecs, u64 flags) = (void *) 171;
static long (* const bpf_timer_cancel)(struct bpf_timer *timer) = (void *) 172;
static long (* const bpf_loop)(u32 nr_loops, void *callback_fn, void *callback_ctx, u64 flags) = (void *) 181;
static long (* const bpf_strncmp)(const char *s1, u32 s1_sz, const char *s2) = (void *) 182;
static void *(* const bpf_kptr_xchg)(void *dst, void *ptr) = (void *) 194;

/* Counting and pasting macro arguments (0..12), as libbpf names them. */
#ifndef ___bpf_concat
#define ___bpf_concat(a, b) a##b
#endif
#ifndef ___bpf_apply
#define ___bpf_apply(fn, n) ___bpf_concat(fn, n)
#endif
#ifndef ___bpf_nth
#define ___bpf_nth(_, _1, _2, _3, _4, _5, _6, _7, _8, _9, _a, _b, _c, N, ...) N
#endif
#ifndef ___bpf_narg
#define ___bpf_narg(...)                                                       \
	___bpf_nth(_, ##__VA_ARGS__, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0)
#endif

/* ___bpf_fill(arr, args...): arr[0] = first, arr[1] = second, ... */
#define ___bpf_fill0(arr, p, x) do {} while (0)
#define ___bpf_fill1(arr, p, x) arr[p] = x
#define ___bpf_fill2(arr, p, x, args...) arr[p] = x; ___bpf_fill1(arr, p + 1, args)
#define ___bpf_fill3(arr, p, x, args...) arr[p] = x; ___bpf_fill2(arr, p + 1, args)
#define ___bpf_fill4(arr, p, x, args...) arr[p] = x; ___bpf_fill3(arr, p + 1, args)
#define ___bpf_fill5(arr, p, x, args...) arr[p] = x; ___bpf_fill4(arr, p + 1, args)
#define ___bpf_fill6(arr, p, x, args...) arr[p] = x; ___bpf_fill5(arr, p + 1, args)
#define ___bpf_fill7(arr, p, x, args...) arr[p] = x; ___bpf_fill6(arr, p + 1, args)
#define ___bpf_fill8(arr, p, x, args...) arr[p] = x; ___bpf_fill7(arr, p + 1, args)
#define ___bpf_fill9(arr, p, x, args...) arr[p] = x; ___bpf_fill8(arr, p + 1, args)
#define ___bpf_fill10(arr, p, x, args...) arr[p] = x; ___bpf_fill9(arr, p + 1, args)
#define ___bpf_fill11(arr, p, x, args...) arr[p] = x; ___bpf_fill10(arr, p + 1, args)
#define ___bpf_fill12(arr, p, x, args...) arr[p] = x; ___bpf_fill11(arr, p + 1, args)
#define ___bpf_fill(arr, args...)                                              \
	___bpf_apply(___bpf_fill, ___bpf_narg(args))(arr, 0, args)

/* bpf_printk(fmt, args...): a line in the run's trace (and on stderr with
 * `upsched sim --printk`), tagged with the time, CPU, class and task. As in
 * libbpf: up to 3 values go through bpf_trace_printk, more (up to 12)
 * through bpf_trace_vprintk, which takes them as an array. */
#define BPF_PRINTK_FMT_MOD static const

#define __bpf_printk(fmt, ...)                                                 \
	({                                                                     \
		BPF_PRINTK_FMT_MOD char ____fmt[] = fmt;                       \
		bpf_trace_printk(____fmt, sizeof(____fmt), ##__VA_ARGS__);     \
	})

#define __bpf_vprintk(fmt, args...)                                            \
	({                                                                     \
		static const char ___fmt[] = fmt;                              \
		unsigned long long ___param[___bpf_narg(args)];                \
		_Pragma("GCC diagnostic push")                                 \
		_Pragma("GCC diagnostic ignored \"-Wint-conversion\"")         \
		___bpf_fill(___param, args);                                   \
		_Pragma("GCC diagnostic pop")                                  \
		bpf_trace_vprintk(___fmt, sizeof(___fmt), ___param,            \
				  sizeof(___param));                           \
	})

#define ___bpf_pick_printk(...)                                                \
	___bpf_nth(_, ##__VA_ARGS__, __bpf_vprintk, __bpf_vprintk,             \
		   __bpf_vprintk, __bpf_vprintk, __bpf_vprintk, __bpf_vprintk, \
		   __bpf_vprintk, __bpf_vprintk, __bpf_vprintk, __bpf_printk,  \
		   __bpf_printk, __bpf_printk, __bpf_printk)

#define bpf_printk(fmt, args...) ___bpf_pick_printk(args)(fmt, ##args)

/* BPF_SNPRINTF(out, out_size, fmt, args...): bpf_snprintf with its values
 * given as arguments rather than an array. */
#define BPF_SNPRINTF(out, out_size, fmt, args...)                              \
	({                                                                     \
		static const char ___fmt[] = fmt;                              \
		unsigned long long ___param[___bpf_narg(args)];                \
		_Pragma("GCC diagnostic push")                                 \
		_Pragma("GCC diagnostic ignored \"-Wint-conversion\"")         \
		___bpf_fill(___param, args);                                   \
		_Pragma("GCC diagnostic pop")                                  \
		bpf_snprintf(out, out_size, ___fmt, ___param, sizeof(___param)); \
	})

/* ---- open-coded iterators (kfuncs) -------------------------------------- */

extern int bpf_iter_num_new(struct bpf_iter_num *it, int start, int end) __ksym;
extern int *bpf_iter_num_next(struct bpf_iter_num *it) __ksym;
extern void bpf_iter_num_destroy(struct bpf_iter_num *it) __ksym;

/* for (i = start; i < end; i++) that the verifier can bound: the iterator
 * is created in the for-init, destroyed by the cleanup attribute on every
 * exit from the loop, and yields each value through bpf_iter_num_next(). */
#define bpf_for(i, start, end)                                                 \
	for (struct bpf_iter_num ___it                                     \
		     __attribute__((aligned(8), cleanup(bpf_iter_num_destroy))), \
	     *___p __attribute__((unused)) =                            \
		     (bpf_iter_num_new(&___it, (start), (end)),            \
		      (void)bpf_iter_num_destroy, (void *)0);                  \
	     ({                                                                \
		     int *___t = bpf_iter_num_next(&___it);            \
		     ___t && ((i) = *___t, (i) >= (start) && (i) < (end)); \
	     });)

/* Run the body up to n times (break to leave early). */
#define bpf_repeat(n)                                                          \
	for (struct bpf_iter_num ___it                                     \
		     __attribute__((aligned(8), cleanup(bpf_iter_num_destroy))), \
	     *___p __attribute__((unused)) =                            \
		     (bpf_iter_num_new(&___it, 0, (n)),                    \
		      (void)bpf_iter_num_destroy, (void *)0);                  \
	     bpf_iter_num_next(&___it);)

/* bpf_for_each(type, cur, args...): iterate with bpf_iter_<type>_new/next/
 * destroy, e.g. bpf_for_each(scx_dsq, p, dsq_id, 0). Inside the body,
 * BPF_FOR_EACH_ITER (scx/common.bpf.h) names the iterator, ___it. */
#define bpf_for_each(type, cur, args...)                                       \
	for (struct bpf_iter_##type ___it __attribute__((                  \
		     aligned(8), cleanup(bpf_iter_##type##_destroy))),         \
	     *___p __attribute__((unused)) =                            \
		     (bpf_iter_##type##_new(&___it, ##args),               \
		      (void)bpf_iter_##type##_destroy, (void *)0);             \
	     ((cur) = bpf_iter_##type##_next(&___it));)

#endif /* __UPSCHED_BPF_HELPERS_H__ */
