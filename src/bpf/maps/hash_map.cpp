// HashMap: update/delete semantics of kernel/bpf/hashtab.c (check_flags,
// -E2BIG when full, per-CPU value initialisation).
#include "bpf/maps/hash_map.h"

#include <utility>

namespace ups::bpf {

HashMap::HashMap(const MapDef& def, int nr_cpus, std::shared_ptr<ValueMemory> memory)
    : Map(def, nr_cpus, std::move(memory)), percpu_(def.type == MapType::percpu_hash),
      table_(def.key_size,
             round_up8(def.value_size) * (def.type == MapType::percpu_hash ? static_cast<u32>(nr_cpus) : 1u),
             def.max_entries, !(def.map_flags & BPF_F_NO_PREALLOC), memory_, !(def.map_flags & BPF_F_RDONLY_PROG)) {}

HashMap::~HashMap() {
  if (!has_timer()) return;
  for (u32 n = table_.first(); n != HashTable::kNil; n = table_.next(n)) release_fields(table_.value(n));
}

void HashMap::erase_node(u32 n) {
  release_fields(table_.value(n));
  on_erase(n);
  table_.erase(n);
}

s64 HashMap::node_for_update(const void* key, u64 flags, bool* inserted) {
  if (lock_flag_allowed() ? (flags & ~BPF_F_LOCK) > BPF_EXIST : flags > BPF_EXIST) return -EINVAL;
  if ((flags & BPF_F_LOCK) && !has_spin_lock()) return -EINVAL;
  u64 mode = flags & ~BPF_F_LOCK;
  u32 n = table_.find(key);
  *inserted = false;
  if (n != HashTable::kNil) {
    if (mode == BPF_NOEXIST) return -EEXIST;
    return n;
  }
  if (mode == BPF_EXIST) return -ENOENT;
  if (table_.full() && !make_room()) return -E2BIG;
  std::size_t chunks = table_.chunk_count();
  n = table_.insert(key);
  if (n == HashTable::kNil) return -E2BIG;
  if (table_.chunk_count() != chunks) bump_regions();
  *inserted = true;
  on_insert(n);
  return n;
}

int HashMap::update(const void* key, const void* value, u64 flags, int cpu) {
  bool inserted;
  s64 r = node_for_update(key, flags, &inserted);
  if (r < 0) return static_cast<int>(r);
  u32 n = static_cast<u32>(r);
  if (percpu_) {
    copy_value(cpu_value(n, cpu), value);  // a new element's other copies stay zero
    return 0;
  }
  u8* v = table_.value(n);
  if (!inserted && !(flags & BPF_F_LOCK)) {
    release_fields(v);  // the replaced element's timer is freed
    init_special_fields(v);
  }
  copy_value(v, value);
  if (!inserted) touch(n);
  return 0;
}

int HashMap::remove(const void* key) {
  u32 n = table_.find(key);
  if (n == HashTable::kNil) return -ENOENT;
  erase_node(n);
  return 0;
}

int HashMap::host_lookup(const void* key, void* value_out) {
  u32 n = table_.find(key);
  if (n == HashTable::kNil) return -ENOENT;
  if (!percpu_) {
    std::memcpy(value_out, table_.value(n), def_.value_size);
    return 0;
  }
  std::memcpy(value_out, table_.value(n), host_value_size());
  return 0;
}

int HashMap::host_update(const void* key, const void* value, u64 flags) {
  if (!percpu_) return update(key, value, flags, 0);
  bool inserted;
  s64 r = node_for_update(key, flags, &inserted);
  if (r < 0) return static_cast<int>(r);
  auto* in = static_cast<const u8*>(value);
  for (int c = 0; c < nr_cpus_; ++c)
    copy_value(cpu_value(static_cast<u32>(r), c), in + static_cast<std::size_t>(c) * value_stride_);
  return 0;
}

void HashMap::for_each_region(const RegionFn& fn) const {
  table_.for_each_region(fn, !(def_.map_flags & BPF_F_RDONLY_PROG));
}

bool HashMap::key_of_value(const void* inner, void* key_out, void** value_out) const {
  u32 n = table_.node_of_value(inner);
  if (n == HashTable::kNil) return false;
  std::memcpy(key_out, table_.key_at(n), def_.key_size);
  *value_out = table_.value(n);
  return true;
}

}  // namespace ups::bpf
