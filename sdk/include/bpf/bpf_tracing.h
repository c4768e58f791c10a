/* bpf_tracing.h: BPF_PROG, the macro that turns a struct_ops program's
 * context (an array of u64 arguments, read-only) into typed C parameters.
 *
 *   s32 BPF_PROG(name, struct task_struct *p, s32 prev_cpu)
 *
 * defines `name(u64 *ctx)` (the program) and an always-inline body,
 * `____name`, that receives ctx[0], ctx[1], ... converted to the declared types.
 */
#ifndef __UPSCHED_BPF_TRACING_H__
#define __UPSCHED_BPF_TRACING_H__

#include "bpf_helpers.h" /* ___bpf_apply, ___bpf_narg */

/* The context slots, in order, after `ctx` itself. */
#define ___bpf_ctx_cast0() ctx
#define ___bpf_ctx_cast1(x) ___bpf_ctx_cast0(), (void *)ctx[0]
#define ___bpf_ctx_cast2(x, args...) ___bpf_ctx_cast1(args), (void *)ctx[1]
#define ___bpf_ctx_cast3(x, args...) ___bpf_ctx_cast2(args), (void *)ctx[2]
#define ___bpf_ctx_cast4(x, args...) ___bpf_ctx_cast3(args), (void *)ctx[3]
#define ___bpf_ctx_cast5(x, args...) ___bpf_ctx_cast4(args), (void *)ctx[4]
#define ___bpf_ctx_cast6(x, args...) ___bpf_ctx_cast5(args), (void *)ctx[5]
#define ___bpf_ctx_cast7(x, args...) ___bpf_ctx_cast6(args), (void *)ctx[6]
#define ___bpf_ctx_cast8(x, args...) ___bpf_ctx_cast7(args), (void *)ctx[7]
#define ___bpf_ctx_cast9(x, args...) ___bpf_ctx_cast8(args), (void *)ctx[8]
#define ___bpf_ctx_cast10(x, args...) ___bpf_ctx_cast9(args), (void *)ctx[9]
#define ___bpf_ctx_cast11(x, args...) ___bpf_ctx_cast10(args), (void *)ctx[10]
#define ___bpf_ctx_cast12(x, args...) ___bpf_ctx_cast11(args), (void *)ctx[11]
#define ___bpf_ctx_cast(args...)                                               \
	___bpf_apply(___bpf_ctx_cast, ___bpf_narg(args))(args)

/* Scalars arrive as u64 slots: converting the slot (a void *) to an integer
 * parameter is what we mean, so -Wint-conversion is off for that line. */
#define BPF_PROG(name, args...)                                                \
	name(unsigned long long *ctx);                                         \
	static __always_inline typeof(name(0))                                 \
		____##name(unsigned long long *ctx __attribute__((unused)), ##args);           \
	typeof(name(0)) name(unsigned long long *ctx)                          \
	{                                                                      \
		_Pragma("GCC diagnostic push")                                 \
		_Pragma("GCC diagnostic ignored \"-Wint-conversion\"")         \
		return ____##name(___bpf_ctx_cast(args));              \
		_Pragma("GCC diagnostic pop")                                  \
	}                                                                      \
	static __always_inline typeof(name(0))                                 \
		____##name(unsigned long long *ctx __attribute__((unused)), ##args)

#endif /* __UPSCHED_BPF_TRACING_H__ */
