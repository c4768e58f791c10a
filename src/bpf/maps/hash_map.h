// HashMap: BPF_MAP_TYPE_HASH and BPF_MAP_TYPE_PERCPU_HASH (and the base of
// LruHashMap). Up to max_entries elements, preallocated unless
// BPF_F_NO_PREALLOC; update of a new key in a full map gives -E2BIG.
// Per-CPU: one copy of the value per CPU; a program reads and writes its own
// CPU's copy; a new element starts with the other CPUs' copies zeroed.
//
// Updating an existing key replaces the element as Linux does (its bpf_timer
// is cancelled and freed, its spin lock reset), except with BPF_F_LOCK,
// which copies in place. Linux allocates a fresh element for a replace, so a
// pointer obtained before the update would still show the old value there;
// here the value is overwritten in place (the only visible difference).
#pragma once

#include "base/assert.h"
#include "bpf/maps/hash_table.h"
#include "bpf/maps/map.h"

namespace ups::bpf {

class HashMap : public Map {
public:
  HashMap(const MapDef& def, int nr_cpus, std::shared_ptr<ValueMemory> memory = nullptr);
  ~HashMap() override;

  void* lookup(const void* key, int cpu) override {
    u32 n = table_.find(key);
    if (n == HashTable::kNil) return nullptr;
    return cpu_value(n, cpu);
  }
  int update(const void* key, const void* value, u64 flags, int cpu) override;
  int remove(const void* key) override;
  int host_lookup(const void* key, void* value_out) override;
  int host_update(const void* key, const void* value, u64 flags) override;
  int get_next_key(const void* key, void* next_key) override {
    return table_.get_next_key(key, next_key);
  }
  void for_each_region(const RegionFn& fn) const override;
  std::size_t memory_bytes() const override { return table_.memory_bytes(); }
  bool key_of_value(const void* inner, void* key_out, void** value_out) const override;

  u32 size() const { return table_.size(); }

protected:
  // Hooks for the LRU variant.
  virtual void touch(u32 /*node*/) {}
  virtual void on_insert(u32 /*node*/) {}
  virtual void on_erase(u32 /*node*/) {}
  // Frees one element to make room for a new key; false = the map is full.
  virtual bool make_room() { return false; }
  virtual bool lock_flag_allowed() const { return !percpu_; }

  u8* cpu_value(u32 n, int cpu) const {
    UPS_DASSERT(!percpu_ || (cpu >= 0 && cpu < nr_cpus_));
    return table_.value(n) + (percpu_ ? static_cast<std::size_t>(cpu) * value_stride_ : 0);
  }
  void erase_node(u32 n);
  // Finds or inserts key for an update: the node, or a negative errno.
  s64 node_for_update(const void* key, u64 flags, bool* inserted);

  bool percpu_;
  HashTable table_;
};

}  // namespace ups::bpf
