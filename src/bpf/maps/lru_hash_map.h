// LruHashMap: BPF_MAP_TYPE_LRU_HASH. A hash map that never fails with
// -E2BIG: inserting a new key into a full map evicts the least recently used
// element, where lookups and updates make an element most recently used.
// Linux's LRU is an approximation (per-CPU free lists, reference bits,
// batched shrinking) whose exact victim can vary; this keeps the exact order,
// which is one of the outcomes Linux allows for a single CPU. BPF_F_LOCK and
// BPF_F_NO_PREALLOC are refused like in Linux.
#pragma once

#include <vector>

#include "bpf/maps/hash_map.h"

namespace ups::bpf {

class LruHashMap final : public HashMap {
public:
  LruHashMap(const MapDef& def, int nr_cpus, std::shared_ptr<ValueMemory> memory = nullptr);

  void* lookup(const void* key, int cpu) override {
    u32 n = table_.find(key);
    if (n == HashTable::kNil) return nullptr;
    touch(n);
    return table_.value(n);
  }
  // Keys from most to least recently used (for the host and tests).
  std::vector<std::vector<u8>> keys_by_recency() const;

protected:
  void touch(u32 n) override;
  void on_insert(u32 n) override { push_front(n); }
  void on_erase(u32 n) override { unlink(n); }
  bool make_room() override;
  bool lock_flag_allowed() const override { return false; }

private:
  void unlink(u32 n);
  void push_front(u32 n);

  std::vector<u32> prev_, next_;
  u32 head_ = HashTable::kNil, tail_ = HashTable::kNil;
};

}  // namespace ups::bpf
