/* map_in_map.bpf.c: map-in-map initialisers (`.values = { [i] = &map }`),
 * which clang leaves as zeros plus one relocation per slot in .rel.maps.
 * tests/unit/bpf_object/map_in_map_test.cpp checks which slot gets which map,
 * and that corrupted relocations are refused with their place. */
#include "test_bpf.h"

struct level_queue {
  __uint(type, BPF_MAP_TYPE_QUEUE);
  __uint(max_entries, 16);
  __type(value, u32);
} level0 SEC(".maps"), level1 SEC(".maps"), level2 SEC(".maps");

/* Sparse: slot 1 and 3 stay empty. */
struct {
  __uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
  __uint(max_entries, 4);
  __type(key, u32);
  __array(values, struct level_queue);
} levels SEC(".maps") = {
  .values = {
    [0] = &level0,
    [2] = &level2,
  },
};

/* A hash of maps: the slot is the u32 key. */
struct {
  __uint(type, BPF_MAP_TYPE_HASH_OF_MAPS);
  __uint(max_entries, 8);
  __type(key, u32);
  __array(values, struct level_queue);
} by_key SEC(".maps") = {
  .values = {
    [5] = &level1,
  },
};

/* Without an initialiser: no slots. */
struct {
  __uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
  __uint(max_entries, 2);
  __type(key, u32);
  __array(values, struct level_queue);
} empty_outer SEC(".maps");

u32 counter;

SEC("tc")
int push_to_level(void *ctx)
{
  u32 level = 2;
  void *q = bpf_map_lookup_elem(&levels, &level);
  if (!q)
    return -1;
  counter++;
  return bpf_map_lookup_elem(&by_key, &level) != 0;
}

char _license[] SEC("license") = "GPL";
