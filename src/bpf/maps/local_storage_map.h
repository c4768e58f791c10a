// LocalStorageMap: Linux's bpf_local_storage maps, one value per owner:
// BPF_MAP_TYPE_TASK_STORAGE (owner: a task) and BPF_MAP_TYPE_CGRP_STORAGE
// (owner: a cgroup). A value is created on demand by
// bpf_{task,cgrp}_storage_get(..., BPF_LOCAL_STORAGE_GET_F_CREATE) and freed
// by bpf_{task,cgrp}_storage_delete or when its owner goes (the host calls
// forget_owner: a task's exit, a cgroup's cgroup_exit). Owners are named by
// a stable 64-bit key that the HelperEnv derives from the pointer a program
// holds (in the simulator, the pid or the cgroup id). The number of values
// is not bounded by max_entries (which Linux requires to be 0); values
// never move.
//
// Host view: a key is key_size bytes (4, Linux's int) holding the owner
// key, zero-extended; get_next_key walks owners in a fixed order (Linux has
// no iteration here and returns -ENOTSUPP; the host may want to inspect).
#pragma once

#include <memory>
#include <span>

#include "bpf/maps/hash_table.h"
#include "bpf/maps/map.h"

namespace ups::bpf {

inline constexpr u64 BPF_LOCAL_STORAGE_GET_F_CREATE = 1;

class LocalStorageMap final : public Map {
public:
  LocalStorageMap(const MapDef& def, int nr_cpus, std::shared_ptr<ValueMemory> memory = nullptr);
  ~LocalStorageMap() override;

  // bpf_*_storage_get for a known owner: the value, or null when absent
  // and !create. A created value starts as `init` (or zeroes when null).
  void* get(u64 owner_key, const void* init, bool create);
  // bpf_*_storage_delete: 0 or -ENOENT.
  int remove_owner(u64 owner_key);
  // The owner is gone: drop its value if any.
  void forget_owner(u64 owner_key) { (void)remove_owner(owner_key); }
  u32 size() const { return table_.size(); }

  void* lookup(const void* key, int cpu) override;
  int update(const void* key, const void* value, u64 flags, int cpu) override;
  int remove(const void* key) override { return remove_owner(key_of(key)); }
  int get_next_key(const void* key, void* next_key) override;
  void for_each_region(const RegionFn& fn) const override;
  std::size_t memory_bytes() const override { return table_.memory_bytes(); }
  bool key_of_value(const void* inner, void* key_out, void** value_out) const override;

private:
  u64 key_of(const void* key) const;
  void store_key(u64 owner_key, void* key_out) const;

  HashTable table_;  // u64 owner key -> value
};

// The owner is gone: drop its value from every map of `type` (task_storage
// or cgrp_storage) among maps.
void forget_owner(std::span<const std::shared_ptr<Map>> maps, MapType type, u64 owner_key);

}  // namespace ups::bpf
