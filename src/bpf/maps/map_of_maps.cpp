// MapOfMaps: kernel/bpf/map_in_map.c and the fd-array/fd-htab paths of
// arraymap.c and hashtab.c.
#include "bpf/maps/map_of_maps.h"

#include <algorithm>
#include <cstring>

namespace ups::bpf {

MapOfMaps::MapOfMaps(const MapDef& def, int nr_cpus)
    : Map(def, nr_cpus), is_array_(def.type == MapType::array_of_maps) {
  if (is_array_) {
    slots_.resize(def.max_entries);
  } else {
    table_ = std::make_unique<HashTable>(def.key_size, 8, def.max_entries,
                                         !(def.map_flags & BPF_F_NO_PREALLOC));
  }
}

Map* MapOfMaps::inner(const void* key) const {
  if (is_array_) {
    u32 idx;
    std::memcpy(&idx, key, sizeof idx);
    return idx < slots_.size() ? slots_[idx].get() : nullptr;
  }
  u32 n = table_->find(key);
  return n == HashTable::kNil ? nullptr : slots_[n].get();
}

bool MapOfMaps::compatible(const Map& m) const {
  if (!def_.inner) return false;
  const MapDef& want = *def_.inner;
  const MapDef& got = m.def();
  if (got.type == MapType::array_of_maps || got.type == MapType::hash_of_maps) return false;
  if (got.type != want.type || got.key_size != want.key_size || got.value_size != want.value_size)
    return false;
  if ((got.map_flags & ~BPF_F_INNER_MAP) != (want.map_flags & ~BPF_F_INNER_MAP)) return false;
  if (!(want.map_flags & BPF_F_INNER_MAP) && got.max_entries != want.max_entries) return false;
  return m.nr_cpus() == nr_cpus_;
}

int MapOfMaps::set_inner(const void* key, std::shared_ptr<Map> map, u64 flags) {
  if (!map || !compatible(*map)) return -EINVAL;
  if (is_array_) {
    if (flags != BPF_ANY) return -EINVAL;  // bpf_fd_array_map_update_elem
    u32 idx;
    std::memcpy(&idx, key, sizeof idx);
    if (idx >= slots_.size()) return -E2BIG;
    slots_[idx] = std::move(map);
    return 0;
  }
  if (flags > BPF_EXIST) return -EINVAL;
  u32 n = table_->find(key);
  if (n != HashTable::kNil && flags == BPF_NOEXIST) return -EEXIST;
  if (n == HashTable::kNil && flags == BPF_EXIST) return -ENOENT;
  if (n == HashTable::kNil) {
    n = table_->insert(key);
    if (n == HashTable::kNil) return -E2BIG;
    if (slots_.size() <= n) slots_.resize(n + 1);
  }
  Map* raw = map.get();
  std::memcpy(table_->value(n), &raw, sizeof raw);
  slots_[n] = std::move(map);
  return 0;
}

int MapOfMaps::update(const void* key, const void* value, u64 flags, int) {
  u32 fd;
  std::memcpy(&fd, value, sizeof fd);
  std::shared_ptr<Map> m = resolver_ ? resolver_(fd) : nullptr;
  if (!m) return -EBADF;
  return set_inner(key, std::move(m), flags);
}

int MapOfMaps::remove(const void* key) {
  if (is_array_) {
    u32 idx;
    std::memcpy(&idx, key, sizeof idx);
    if (idx >= slots_.size()) return -E2BIG;
    if (!slots_[idx]) return -ENOENT;
    slots_[idx].reset();
    return 0;
  }
  u32 n = table_->find(key);
  if (n == HashTable::kNil) return -ENOENT;
  slots_[n].reset();
  table_->erase(n);
  return 0;
}

int MapOfMaps::host_lookup(const void*, void*) {
  // Linux returns the inner map's id; the host uses inner() instead.
  return -kENOTSUPP;
}

int MapOfMaps::get_next_key(const void* key, void* next_key) {
  if (!is_array_) return table_->get_next_key(key, next_key);
  u32 idx = def_.max_entries;
  if (key) std::memcpy(&idx, key, sizeof idx);
  u32 next;
  if (idx >= def_.max_entries) next = 0;
  else if (idx == def_.max_entries - 1) return -ENOENT;
  else next = idx + 1;
  std::memcpy(next_key, &next, sizeof next);
  return 0;
}

std::size_t MapOfMaps::memory_bytes() const {
  return slots_.size() * sizeof(slots_[0]) + (table_ ? table_->memory_bytes() : 0);
}

}  // namespace ups::bpf
