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
/* sched.timer */
static long (* const bpf_timer_init)(struct bpf_timer *timer, void *map, u64 flags) = (void *) 169;
static long (* const bpf_timer_set_callback)(struct bpf_timer *timer, void *callback_fn) = (void *) 170;
static long (* const bpf_timer_start)(struct bpf_timer *timer, u64 nsecs, u64 flags) = (void *) 171;
static long (* const bpf_timer_cancel)(struct bpf_timer *timer) = (void *) 172;
static long (* const bpf_loop)(u32 nr_loops, void *callback_fn, void *callback_ctx, u64 flags) = (void *) 181;

/* bpf_printk(fmt, args...): a line in the run's trace (and on stderr with
 * `upsched sim --printk`), tagged with the time, CPU, class and task. As in
 * libbpf: up to 3 values go through bpf_trace_printk, more (up to 12)
 * through bpf_trace_vprintk, which takes them as an array. */
#define ___ups_pk_nth(_, _1, _2, _3, _4, _5, _6, _7, _8, _9, _10, _11, _12, N, ...) N
#define ___ups_pk_narg(...) ___ups_pk_nth(_, ##__VA_ARGS__, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0)
#define ___ups_pk_concat(a, b) a##b
#define ___ups_pk_apply(fn, n) ___ups_pk_concat(fn, n)
#define ___ups_pk_fill0(arr, p, x) do {} while (0)
#define ___ups_pk_fill1(arr, p, x) arr[p] = x
#define ___ups_pk_fill2(arr, p, x, args...) arr[p] = x; ___ups_pk_fill1(arr, p + 1, args)
#define ___ups_pk_fill3(arr, p, x, args...) arr[p] = x; ___ups_pk_fill2(arr, p + 1, args)
#define ___ups_pk_fill4(arr, p, x, args...) arr[p] = x; ___ups_pk_fill3(arr, p + 1, args)
#define ___ups_pk_fill5(arr, p, x, args...) arr[p] = x; ___ups_pk_fill4(arr, p + 1, args)
#define ___ups_pk_fill6(arr, p, x, args...) arr[p] = x; ___ups_pk_fill5(arr, p + 1, args)
#define ___ups_pk_fill7(arr, p, x, args...) arr[p] = x; ___ups_pk_fill6(arr, p + 1, args)
#define ___ups_pk_fill8(arr, p, x, args...) arr[p] = x; ___ups_pk_fill7(arr, p + 1, args)
#define ___ups_pk_fill9(arr, p, x, args...) arr[p] = x; ___ups_pk_fill8(arr, p + 1, args)
#define ___ups_pk_fill10(arr, p, x, args...) arr[p] = x; ___ups_pk_fill9(arr, p + 1, args)
#define ___ups_pk_fill11(arr, p, x, args...) arr[p] = x; ___ups_pk_fill10(arr, p + 1, args)
#define ___ups_pk_fill12(arr, p, x, args...) arr[p] = x; ___ups_pk_fill11(arr, p + 1, args)
#define ___ups_pk_fill(arr, args...) ___ups_pk_apply(___ups_pk_fill, ___ups_pk_narg(args))(arr, 0, args)

#define ___ups_printk(fmt, args...)                                            \
	({                                                                     \
		static const char ___ups_fmt[] = fmt;                          \
		bpf_trace_printk(___ups_fmt, sizeof(___ups_fmt), ##args);      \
	})

#define ___ups_vprintk(fmt, args...)                                           \
	({                                                                     \
		static const char ___ups_fmt[] = fmt;                          \
		unsigned long long ___ups_param[___ups_pk_narg(args)];            \
		_Pragma("GCC diagnostic push")                                 \
		_Pragma("GCC diagnostic ignored \"-Wint-conversion\"")          \
		___ups_pk_fill(___ups_param, args);                               \
		_Pragma("GCC diagnostic pop")                                  \
		bpf_trace_vprintk(___ups_fmt, sizeof(___ups_fmt), ___ups_param, \
				  sizeof(___ups_param));                       \
	})

#define ___ups_pick_printk(...)                                                \
	___ups_pk_nth(_, ##__VA_ARGS__, ___ups_vprintk, ___ups_vprintk,           \
		   ___ups_vprintk, ___ups_vprintk, ___ups_vprintk,             \
		   ___ups_vprintk, ___ups_vprintk, ___ups_vprintk,             \
		   ___ups_vprintk, ___ups_printk, ___ups_printk, ___ups_printk, \
		   ___ups_printk)

#define bpf_printk(fmt, args...) ___ups_pick_printk(args)(fmt, ##args)

/* ---- open-coded iterators (kfuncs) -------------------------------------- */

extern int bpf_iter_num_new(struct bpf_iter_num *it, int start, int end) __ksym;
extern int *bpf_iter_num_next(struct bpf_iter_num *it) __ksym;
extern void bpf_iter_num_destroy(struct bpf_iter_num *it) __ksym;

/* Upper bound of bpf_repeat()/bpf_loop() iterations (Linux BPF_MAX_LOOPS). */
#define BPF_MAX_LOOPS (8 * 1024 * 1024)

/* for (i = start; i < end; i++) that the verifier can bound: the iterator
 * is created in the for-init, destroyed by the cleanup attribute on every
 * exit from the loop, and yields each value through bpf_iter_num_next(). */
#define bpf_for(i, start, end)                                                 \
	for (struct bpf_iter_num ___ups_it                                     \
		     __attribute__((aligned(8), cleanup(bpf_iter_num_destroy))), \
	     *___ups_once __attribute__((unused)) =                            \
		     (bpf_iter_num_new(&___ups_it, (start), (end)),            \
		      (void)bpf_iter_num_destroy, (void *)0);                  \
	     ({                                                                \
		     int *___ups_v = bpf_iter_num_next(&___ups_it);            \
		     ___ups_v && ((i) = *___ups_v, (i) >= (start) && (i) < (end)); \
	     });)

/* Run the body up to n times (break to leave early). */
#define bpf_repeat(n)                                                          \
	for (struct bpf_iter_num ___ups_it                                     \
		     __attribute__((aligned(8), cleanup(bpf_iter_num_destroy))), \
	     *___ups_once __attribute__((unused)) =                            \
		     (bpf_iter_num_new(&___ups_it, 0, (n)),                    \
		      (void)bpf_iter_num_destroy, (void *)0);                  \
	     bpf_iter_num_next(&___ups_it);)

/* bpf_for_each(type, cur, args...): iterate with bpf_iter_<type>_new/next/
 * destroy, e.g. bpf_for_each(scx_dsq, p, dsq_id, 0). Inside the body,
 * BPF_FOR_EACH_ITER names the iterator (for scx_bpf_dsq_move()). */
#define bpf_for_each(type, cur, args...)                                       \
	for (struct bpf_iter_##type ___ups_it __attribute__((                  \
		     aligned(8), cleanup(bpf_iter_##type##_destroy))),         \
	     *___ups_once __attribute__((unused)) =                            \
		     (bpf_iter_##type##_new(&___ups_it, ##args),               \
		      (void)bpf_iter_##type##_destroy, (void *)0);             \
	     ((cur) = bpf_iter_##type##_next(&___ups_it));)

#define BPF_FOR_EACH_ITER (&___ups_it)

#endif /* __UPSCHED_BPF_HELPERS_H__ */
