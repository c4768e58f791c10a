// TaskStorageMap: BPF_MAP_TYPE_TASK_STORAGE, one value per task, created on
// demand by bpf_task_storage_get(..., BPF_LOCAL_STORAGE_GET_F_CREATE) and
// freed by bpf_task_storage_delete or when the task exits (the host calls
// forget_task). Tasks are named by a stable 64-bit task key that the
// HelperEnv derives from the task pointer a program holds (in the simulator,
// the pid). The number of values is not bounded by max_entries (which Linux
// requires to be 0); values never move.
//
// Host view: a key is key_size bytes (4, Linux's int) holding the task key,
// zero-extended; get_next_key walks tasks in a fixed order (Linux has no
// iteration here and returns -ENOTSUPP; the host may want to inspect).
#pragma once

#include "bpf/maps/hash_table.h"
#include "bpf/maps/map.h"

namespace ups::bpf {

inline constexpr u64 BPF_LOCAL_STORAGE_GET_F_CREATE = 1;

class TaskStorageMap final : public Map {
public:
  TaskStorageMap(const MapDef& def, int nr_cpus);
  ~TaskStorageMap() override;

  // bpf_task_storage_get for a known task: the value, or null when absent
  // and !create. A created value starts as `init` (or zeroes when null).
  void* get(u64 task_key, const void* init, bool create);
  // bpf_task_storage_delete: 0 or -ENOENT.
  int remove_task(u64 task_key);
  // The task exited: drop its value if any.
  void forget_task(u64 task_key) { (void)remove_task(task_key); }
  u32 size() const { return table_.size(); }

  void* lookup(const void* key, int cpu) override;
  int update(const void* key, const void* value, u64 flags, int cpu) override;
  int remove(const void* key) override { return remove_task(key_of(key)); }
  int get_next_key(const void* key, void* next_key) override;
  void for_each_region(const RegionFn& fn) const override;
  std::size_t memory_bytes() const override { return table_.memory_bytes(); }
  bool key_of_value(const void* inner, void* key_out, void** value_out) const override;

private:
  u64 key_of(const void* key) const;
  void store_key(u64 task_key, void* key_out) const;

  HashTable table_;  // u64 task key -> value
};

}  // namespace ups::bpf
