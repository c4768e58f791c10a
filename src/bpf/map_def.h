// MapDef: a map as an object declares it (BTF-defined `.maps` entry or a
// global-data section), produced by the object loader and consumed by the
// map factory (bpf/maps), the verifier and the policy host.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "base/types.h"

namespace ups::bpf {

// Linux enum bpf_map_type values (the subset upsched implements).
enum class MapType : u32 {
  hash = 1,
  array = 2,
  percpu_hash = 5,
  percpu_array = 6,
  lru_hash = 9,
  array_of_maps = 12,
  hash_of_maps = 13,
  queue = 22,
  stack = 23,
  ringbuf = 27,
  task_storage = 29,
  cgrp_storage = 32,
  arena = 33,
};
const char* map_type_name(MapType t);  // "hash", "percpu_array", ...

// Linux map_flags bits that change behaviour.
inline constexpr u32 BPF_F_NO_PREALLOC = 1u << 0;
inline constexpr u32 BPF_F_RDONLY_PROG = 1u << 7;
inline constexpr u32 BPF_F_MMAPABLE = 1u << 10;

// Update flags.
inline constexpr u64 BPF_ANY = 0, BPF_NOEXIST = 1, BPF_EXIST = 2, BPF_F_LOCK = 4;

enum class GlobalKind : u8 { none, data, rodata, bss, kconfig };

// One entry of a map-in-map initialiser (`.values = { [slot] = &inner }`):
// the outer map's slot (an array index, or a u32 key of a hash of maps) and
// the index of the inner map among the maps of the same object.
struct InnerMapSlot {
  u32 slot = 0;
  u32 map_index = 0;
  bool operator==(const InnerMapSlot&) const = default;
};

// A struct bpf_rb_root inside a map value, and what its `__contains(TYPE,
// FIELD)` decl tag says it holds: nodes of the program's struct TYPE (a BTF
// id of the object), linked through their bpf_rb_node member FIELD.
struct GraphRoot {
  u32 offset = 0;
  u32 node_type = 0;
  u32 node_off = 0;
  bool operator==(const GraphRoot&) const = default;
};

// A `struct T __kptr *` field inside a map value: an 8-byte slot that holds
// an owning reference to an allocated T (BTF id), moved in and out only by
// bpf_kptr_xchg.
struct KptrField {
  u32 offset = 0;
  u32 type = 0;
  bool operator==(const KptrField&) const = default;
};

struct MapDef {
  std::string name;           // symbol name, or the section for global data
  MapType type = MapType::array;
  u32 key_size = 0;
  u32 value_size = 0;
  u32 max_entries = 0;
  u32 map_flags = 0;
  // Arena: the user address its pages appear at (Linux's map_extra), 0 = unset.
  u64 map_extra = 0;
  // Map-in-map: the definition every inner map must match.
  std::shared_ptr<MapDef> inner;
  // Map-in-map: the slots filled when the object's maps are created (libbpf
  // fills them from the relocations in `.maps`), in slot order.
  std::vector<InnerMapSlot> inner_slots;
  // Special fields inside the value (from BTF), -1 when absent.
  s32 timer_off = -1;       // struct bpf_timer
  s32 spin_lock_off = -1;   // struct bpf_spin_lock
  bool res_lock = false;    // ... which is a struct bpf_res_spin_lock (bpf_res_spin_lock/unlock)
  // Roots of rbtrees of allocated objects and __kptr fields (from BTF;
  // bpf/object/graph_fields.h).
  std::vector<GraphRoot> rb_roots;
  std::vector<KptrField> kptrs;
  // Global data (.data/.rodata/.bss/.data.*/.rodata.*): a 1-entry array whose
  // value is the section image; `initial` holds its bytes (empty for .bss).
  GlobalKind global = GlobalKind::none;
  std::vector<u8> initial;
  u32 btf_key_type_id = 0;
  u32 btf_value_type_id = 0;
};

}  // namespace ups::bpf
