/* bpf_tracing.h: BPF_PROG, the macro that turns a struct_ops program's
 * context (an array of u64 arguments, read-only) into typed C parameters.
 *
 *   s32 BPF_PROG(name, struct task_struct *p, s32 prev_cpu)
 *
 * defines `name(u64 *ctx)` (the program) and an always-inline body that
 * receives ctx[0], ctx[1], ... converted to the declared types.
 */
#ifndef __UPSCHED_BPF_TRACING_H__
#define __UPSCHED_BPF_TRACING_H__

/* Number of macro arguments (0..12). */
#define ___ups_pick13(_0, _1, _2, _3, _4, _5, _6, _7, _8, _9, _10, _11, _12, N, ...) N
#define ___ups_narg(args...)                                                   \
	___ups_pick13(_, ##args, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0)
#define ___ups_concat(a, b) a##b
#define ___ups_apply(fn, n) ___ups_concat(fn, n)

/* The context slots, in order, after `ctx` itself. */
#define ___ups_ctx_arg0() ctx
#define ___ups_ctx_arg1(x) ___ups_ctx_arg0(), (void *)ctx[0]
#define ___ups_ctx_arg2(x, args...) ___ups_ctx_arg1(args), (void *)ctx[1]
#define ___ups_ctx_arg3(x, args...) ___ups_ctx_arg2(args), (void *)ctx[2]
#define ___ups_ctx_arg4(x, args...) ___ups_ctx_arg3(args), (void *)ctx[3]
#define ___ups_ctx_arg5(x, args...) ___ups_ctx_arg4(args), (void *)ctx[4]
#define ___ups_ctx_arg6(x, args...) ___ups_ctx_arg5(args), (void *)ctx[5]
#define ___ups_ctx_args(args...)                                               \
	___ups_apply(___ups_ctx_arg, ___ups_narg(args))(args)

/* Scalars arrive as u64 slots: converting the slot (a void *) to an integer
 * parameter is what we mean, so -Wint-conversion is off for that line. */
#define BPF_PROG(name, args...)                                                \
	name(unsigned long long *ctx);                                         \
	static __always_inline typeof(name(0))                                 \
		___ups_body_##name(unsigned long long *ctx __attribute__((unused)), ##args);           \
	typeof(name(0)) name(unsigned long long *ctx)                          \
	{                                                                      \
		_Pragma("GCC diagnostic push")                                 \
		_Pragma("GCC diagnostic ignored \"-Wint-conversion\"")         \
		return ___ups_body_##name(___ups_ctx_args(args));              \
		_Pragma("GCC diagnostic pop")                                  \
	}                                                                      \
	static __always_inline typeof(name(0))                                 \
		___ups_body_##name(unsigned long long *ctx __attribute__((unused)), ##args)

#endif /* __UPSCHED_BPF_TRACING_H__ */
