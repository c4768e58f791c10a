// ArrayMap: array and per-CPU array, with Linux's flag and index checks
// (kernel/bpf/arraymap.c: array_map_update_elem, array_map_get_next_key).
#include "bpf/maps/array_map.h"

#include <algorithm>
#include <utility>

namespace ups::bpf {

ArrayMap::ArrayMap(const MapDef& def, int nr_cpus, std::shared_ptr<ValueMemory> memory)
    : Map(def, nr_cpus, std::move(memory)), percpu_(def.type == MapType::percpu_array) {
  std::size_t copies = percpu_ ? static_cast<std::size_t>(nr_cpus) : 1;
  block_ = ValueBlock::make(copies * def.max_entries * value_stride_, memory_, !(def.map_flags & BPF_F_RDONLY_PROG));
  if (!def.initial.empty()) {
    std::size_t n = std::min<std::size_t>(def.initial.size(), def.value_size);
    for (std::size_t c = 0; c < copies; ++c)
      std::memcpy(at(0, static_cast<int>(c)), def.initial.data(), n);
  }
}

ArrayMap::~ArrayMap() {
  if (!has_timer()) return;
  for (u32 i = 0; i < def_.max_entries; ++i) release_fields(at(i, 0));
}

int ArrayMap::check_index_and_flags(const void* key, u64 flags, u32* idx) const {
  if ((flags & ~BPF_F_LOCK) > BPF_EXIST) return -EINVAL;
  std::memcpy(idx, key, sizeof *idx);
  if (*idx >= def_.max_entries) return -E2BIG;
  if (flags & BPF_NOEXIST) return -EEXIST;  // every element exists
  if ((flags & BPF_F_LOCK) && !has_spin_lock()) return -EINVAL;
  return 0;
}

int ArrayMap::update(const void* key, const void* value, u64 flags, int cpu) {
  u32 idx;
  if (int err = check_index_and_flags(key, flags, &idx)) return err;
  u8* v = at(idx, cpu);
  copy_value(v, value);
  release_fields(v);  // Linux frees the element's timer after the copy
  return 0;
}

int ArrayMap::remove(const void*) { return -EINVAL; }

int ArrayMap::host_lookup(const void* key, void* value_out) {
  u32 idx;
  std::memcpy(&idx, key, sizeof idx);
  if (idx >= def_.max_entries) return -ENOENT;
  if (!percpu_) {
    std::memcpy(value_out, at(idx, 0), def_.value_size);
    return 0;
  }
  auto* out = static_cast<u8*>(value_out);
  for (int c = 0; c < nr_cpus_; ++c) {
    std::memset(out + static_cast<std::size_t>(c) * value_stride_, 0, value_stride_);
    std::memcpy(out + static_cast<std::size_t>(c) * value_stride_, at(idx, c), def_.value_size);
  }
  return 0;
}

int ArrayMap::host_update(const void* key, const void* value, u64 flags) {
  if (!percpu_) return update(key, value, flags, 0);
  if (flags > BPF_EXIST) return -EINVAL;  // bpf_percpu_array_update
  u32 idx;
  if (int err = check_index_and_flags(key, flags, &idx)) return err;
  auto* in = static_cast<const u8*>(value);
  for (int c = 0; c < nr_cpus_; ++c)
    copy_value(at(idx, c), in + static_cast<std::size_t>(c) * value_stride_);
  return 0;
}

int ArrayMap::get_next_key(const void* key, void* next_key) {
  u32 idx = def_.max_entries;
  if (key) std::memcpy(&idx, key, sizeof idx);
  u32 next;
  if (idx >= def_.max_entries) {
    next = 0;
  } else if (idx == def_.max_entries - 1) {
    return -ENOENT;
  } else {
    next = idx + 1;
  }
  std::memcpy(next_key, &next, sizeof next);
  return 0;
}

void ArrayMap::for_each_region(const RegionFn& fn) const {
  bool writable = !(def_.map_flags & BPF_F_RDONLY_PROG);
  fn(block_.data(), block_.bytes, writable);
}

bool ArrayMap::key_of_value(const void* inner, void* key_out, void** value_out) const {
  auto* p = static_cast<const u8*>(inner);
  if (p < block_.data() || p >= block_.data() + block_.bytes) return false;
  std::size_t slot = static_cast<std::size_t>(p - block_.data()) / value_stride_;
  u32 idx = static_cast<u32>(slot % def_.max_entries);
  std::memcpy(key_out, &idx, sizeof idx);
  *value_out = block_.data() + slot * value_stride_;
  return true;
}

}  // namespace ups::bpf
