/* maps.bpf.c: one map of every type upsched implements, global data in
 * every section kind, `const volatile` parameters and __kconfig externs.
 * tests/unit/bpf_object/maps_test.cpp checks what the loader makes of it. */
#include "test_bpf.h"

struct value_with_specials {
  u64 count;
  struct bpf_spin_lock lock;
  struct bpf_timer timer;
};

struct { __uint(type, BPF_MAP_TYPE_ARRAY); __uint(max_entries, 4); __type(key, u32); __type(value, struct value_with_specials); } arr SEC(".maps");
struct { __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY); __uint(max_entries, 2); __type(key, u32); __type(value, u64); } pcpu_arr SEC(".maps");
struct { __uint(type, BPF_MAP_TYPE_HASH); __uint(max_entries, 128); __type(key, u64); __type(value, u32); __uint(map_flags, BPF_F_NO_PREALLOC); } hash SEC(".maps");
struct { __uint(type, BPF_MAP_TYPE_PERCPU_HASH); __uint(max_entries, 16); __uint(key_size, 4); __uint(value_size, 24); } pcpu_hash SEC(".maps");
struct { __uint(type, BPF_MAP_TYPE_LRU_HASH); __uint(max_entries, 32); __type(key, u32); __type(value, u64); } lru SEC(".maps");
struct { __uint(type, BPF_MAP_TYPE_QUEUE); __uint(max_entries, 8); __type(value, u32); } queue SEC(".maps");
struct { __uint(type, BPF_MAP_TYPE_STACK); __uint(max_entries, 8); __type(value, u64); } stack SEC(".maps");
struct { __uint(type, BPF_MAP_TYPE_TASK_STORAGE); __uint(map_flags, BPF_F_NO_PREALLOC); __type(key, int); __type(value, u64); } task_store SEC(".maps");
struct { __uint(type, BPF_MAP_TYPE_RINGBUF); __uint(max_entries, 4096); } ringbuf SEC(".maps");

struct inner_map { __uint(type, BPF_MAP_TYPE_ARRAY); __uint(max_entries, 1); __type(key, u32); __type(value, u64); } inner_a SEC(".maps");
struct { __uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS); __uint(max_entries, 2); __type(key, u32); __array(values, struct inner_map); } outer_arr SEC(".maps") = { .values = { &inner_a } };
struct { __uint(type, BPF_MAP_TYPE_HASH_OF_MAPS); __uint(max_entries, 4); __type(key, u32); __array(values, struct { __uint(type, BPF_MAP_TYPE_HASH); __uint(max_entries, 2); __type(key, u32); __type(value, u32); }); } outer_hash SEC(".maps");

/* Global data in every section kind. */
u64 counter = 7;                                    /* .data */
u64 zeroed;                                         /* .bss */
const volatile u32 nr_cpus = 4;                     /* .rodata parameter */
const volatile u64 slice_ns = 5000000;              /* .rodata parameter */
const volatile u8 verbose;                          /* .rodata, zero */
u32 custom_data SEC(".data.custom") = 0x11223344;   /* .data.* */
const volatile u32 custom_ro SEC(".rodata.custom") = 0x55667788; /* .rodata.* */
/* RESIZABLE_ARRAY(data, per_cpu_counts): one element, in its own section. */
u32 per_cpu_counts[1] SEC(".data.per_cpu_counts") = {5};
extern unsigned int LINUX_KERNEL_VERSION __kconfig;
extern u32 CONFIG_UPS_MISSING __kconfig __weak;

SEC("tc")
int use_maps(void *ctx)
{
  u32 k = 0;
  u64 *v;
  struct value_with_specials *s = bpf_map_lookup_elem(&arr, &k);
  if (s) s->count++;
  v = bpf_map_lookup_elem(&pcpu_arr, &k);
  if (v) *v += 1;
  bpf_map_lookup_elem(&hash, &k);
  bpf_map_lookup_elem(&pcpu_hash, &k);
  bpf_map_lookup_elem(&lru, &k);
  bpf_map_lookup_elem(&queue, &k);
  bpf_map_lookup_elem(&stack, &k);
  bpf_map_lookup_elem(&task_store, &k);
  bpf_map_lookup_elem(&ringbuf, &k);
  bpf_map_lookup_elem(&outer_arr, &k);
  bpf_map_lookup_elem(&outer_hash, &k);
  return 0;
}

SEC("tc")
int use_globals(void *ctx)
{
  counter += nr_cpus;
  zeroed += slice_ns;
  if (verbose) custom_data++;
  return custom_ro + LINUX_KERNEL_VERSION + CONFIG_UPS_MISSING;
}

char _license[] SEC("license") = "GPL";
