// ArrayMap: BPF_MAP_TYPE_ARRAY and BPF_MAP_TYPE_PERCPU_ARRAY. A u32 index
// selects one of max_entries preallocated, zero-initialised values; every
// element always exists (update with BPF_NOEXIST gives -EEXIST, delete gives
// -EINVAL). The per-CPU variant keeps one copy per CPU and a program sees
// only its own CPU's copy. Global data sections (.data, .bss, .rodata...)
// are 1-entry arrays whose value starts as the section's bytes.
//
// Lookup is O(1) with no allocation: storage is one block laid out
// [cpu][index], each value round_up(value_size, 8) bytes, like Linux.
#pragma once

#include <cstring>

#include "base/assert.h"
#include "bpf/maps/map.h"

namespace ups::bpf {

class ArrayMap final : public Map {
public:
  ArrayMap(const MapDef& def, int nr_cpus, std::shared_ptr<ValueMemory> memory = nullptr);
  ~ArrayMap() override;

  void* lookup(const void* key, int cpu) override {
    u32 idx;
    std::memcpy(&idx, key, sizeof idx);
    if (idx >= def_.max_entries) return nullptr;
    return at(idx, cpu);
  }
  int update(const void* key, const void* value, u64 flags, int cpu) override;
  int remove(const void* key) override;
  int host_lookup(const void* key, void* value_out) override;
  int host_update(const void* key, const void* value, u64 flags) override;
  int get_next_key(const void* key, void* next_key) override;
  void for_each_region(const RegionFn& fn) const override;
  std::size_t memory_bytes() const override { return block_.bytes; }
  bool key_of_value(const void* inner, void* key_out, void** value_out) const override;

  u8* at(u32 idx, int cpu) const {
    UPS_DASSERT(!percpu_ || (cpu >= 0 && cpu < nr_cpus_));
    std::size_t copy = percpu_ ? static_cast<std::size_t>(cpu) : 0;
    return block_.data() + (copy * def_.max_entries + idx) * value_stride_;
  }

private:
  int check_index_and_flags(const void* key, u64 flags, u32* idx) const;

  bool percpu_;
  ValueBlock block_;
};

}  // namespace ups::bpf
