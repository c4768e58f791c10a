/* test_bpf.h: the few macros the loader's test objects need, written out
 * here so that the tests do not depend on the SDK headers (which are
 * written alongside). Same names and encodings as libbpf's. */
#ifndef UPS_TEST_BPF_H
#define UPS_TEST_BPF_H

typedef unsigned char u8;
typedef unsigned short u16;
typedef unsigned int u32;
typedef unsigned long long u64;
typedef signed char s8;
typedef short s16;
typedef int s32;
typedef long long s64;

#define SEC(name) __attribute__((section(name), used))
#define __weak __attribute__((weak))
#define __ksym __attribute__((section(".ksyms")))
#define __kconfig __attribute__((section(".kconfig")))
#define __noinline __attribute__((noinline))
#define __uint(name, val) int (*name)[val]
#define __type(name, val) typeof(val) *name
#define __array(name, val) typeof(val) *name[]

#define bpf_ksym_exists(sym) (!!(sym))

#define bpf_core_field_offset(f) __builtin_preserve_field_info(f, 0)
#define bpf_core_field_size(f) __builtin_preserve_field_info(f, 1)
#define bpf_core_field_exists(f) __builtin_preserve_field_info(f, 2)
#define bpf_core_field_signed(f) __builtin_preserve_field_info(f, 3)
#define bpf_core_type_exists(t) __builtin_preserve_type_info(*(typeof(t) *)0, 0)
#define bpf_core_type_size(t) __builtin_preserve_type_info(*(typeof(t) *)0, 1)
#define bpf_core_enum_value_exists(t, v) __builtin_preserve_enum_value(*(typeof(t) *)v, 0)
#define bpf_core_enum_value(t, v) __builtin_preserve_enum_value(*(typeof(t) *)v, 1)

enum {
  BPF_MAP_TYPE_HASH = 1, BPF_MAP_TYPE_ARRAY = 2, BPF_MAP_TYPE_PERCPU_HASH = 5,
  BPF_MAP_TYPE_PERCPU_ARRAY = 6, BPF_MAP_TYPE_LRU_HASH = 9,
  BPF_MAP_TYPE_ARRAY_OF_MAPS = 12, BPF_MAP_TYPE_HASH_OF_MAPS = 13,
  BPF_MAP_TYPE_QUEUE = 22, BPF_MAP_TYPE_STACK = 23, BPF_MAP_TYPE_RINGBUF = 27,
  BPF_MAP_TYPE_TASK_STORAGE = 29,
};
#define BPF_F_NO_PREALLOC 1

struct bpf_timer { u64 __opaque[2]; } __attribute__((aligned(8)));
struct bpf_spin_lock { u32 val; };

static void *(*const bpf_map_lookup_elem)(void *map, const void *key) = (void *)1;
static long (*const bpf_map_update_elem)(void *map, const void *key, const void *value, u64 flags) = (void *)2;
static u64 (*const bpf_ktime_get_ns)(void) = (void *)5;
static long (*const bpf_loop)(u32 nr, void *callback_fn, void *ctx, u64 flags) = (void *)181;

#endif
