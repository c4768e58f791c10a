/* bpf_core_read.h: CO-RE queries and reads. Each macro compiles to a clang
 * builtin that leaves a relocation in .BTF.ext; the loader answers it from
 * upsched's own types (src/policy/kernel_abi), so the same object runs on a
 * host whose layout differs from the vmlinux.h it was built against.
 */
#ifndef __UPSCHED_BPF_CORE_READ_H__
#define __UPSCHED_BPF_CORE_READ_H__

#include "bpf_helpers.h" /* ___bpf_apply, ___bpf_narg */

/* Relocation kinds, as clang's builtins number them. */
enum bpf_field_info_kind {
	BPF_FIELD_BYTE_OFFSET = 0,
	BPF_FIELD_BYTE_SIZE = 1,
	BPF_FIELD_EXISTS = 2,
	BPF_FIELD_SIGNED = 3,
	BPF_FIELD_LSHIFT_U64 = 4,
	BPF_FIELD_RSHIFT_U64 = 5,
};

enum bpf_type_id_kind {
	BPF_TYPE_ID_LOCAL = 0,
	BPF_TYPE_ID_TARGET = 1,
};

enum bpf_type_info_kind {
	BPF_TYPE_EXISTS = 0,
	BPF_TYPE_SIZE = 1,
	BPF_TYPE_MATCHES = 2,
};

enum bpf_enum_value_kind {
	BPF_ENUMVAL_EXISTS = 0,
	BPF_ENUMVAL_VALUE = 1,
};

/* A field named either as an expression (p->scx.slice) or as (type, field). */
#define ___bpf_typeof(type) ((typeof(type) *)0)
#define ___bpf_field_ref1(field) (field)
#define ___bpf_field_ref2(type, field) (___bpf_typeof(type)->field)
#define ___bpf_field_ref(args...)                                              \
	___bpf_apply(___bpf_field_ref, ___bpf_narg(args))(args)

#define bpf_core_field_exists(field...)                                        \
	__builtin_preserve_field_info(___bpf_field_ref(field), BPF_FIELD_EXISTS)
#define bpf_core_field_size(field...)                                          \
	__builtin_preserve_field_info(___bpf_field_ref(field), BPF_FIELD_BYTE_SIZE)
#define bpf_core_field_offset(field...)                                        \
	__builtin_preserve_field_info(___bpf_field_ref(field), BPF_FIELD_BYTE_OFFSET)

#define bpf_core_type_exists(type)                                             \
	__builtin_preserve_type_info(*(typeof(type) *)0, BPF_TYPE_EXISTS)
#define bpf_core_type_size(type)                                               \
	__builtin_preserve_type_info(*(typeof(type) *)0, BPF_TYPE_SIZE)
#define bpf_core_type_id_local(type)                                           \
	__builtin_btf_type_id(*(typeof(type) *)0, BPF_TYPE_ID_LOCAL)

#define bpf_core_enum_value_exists(enum_type, enum_value)                      \
	__builtin_preserve_enum_value(*(typeof(enum_type) *)enum_value, BPF_ENUMVAL_EXISTS)
#define bpf_core_enum_value(enum_type, enum_value)                             \
	__builtin_preserve_enum_value(*(typeof(enum_type) *)enum_value, BPF_ENUMVAL_VALUE)

/* Copy sz bytes from a relocated kernel address. */
#define bpf_core_read(dst, sz, src)                                            \
	bpf_probe_read_kernel(dst, sz, (const void *)__builtin_preserve_access_index(src))

/* One relocated field read: BPF_CORE_READ(p, scx.weight). */
#define BPF_CORE_READ(src, field)                                              \
	({                                                                     \
		typeof((src)->field) __r;                               \
		bpf_core_read(&__r, sizeof(__r), &(src)->field); \
		__r;                                                    \
	})
#define BPF_CORE_READ_INTO(dst, src, field)                                    \
	bpf_core_read((dst), sizeof(*(dst)), &(src)->field)

#endif /* __UPSCHED_BPF_CORE_READ_H__ */
