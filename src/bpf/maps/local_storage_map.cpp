// LocalStorageMap: bpf_local_storage semantics for tasks and cgroups.
#include "bpf/maps/local_storage_map.h"

#include <algorithm>
#include <utility>

namespace ups::bpf {

LocalStorageMap::LocalStorageMap(const MapDef& def, int nr_cpus, std::shared_ptr<ValueMemory> memory)
    : Map(def, nr_cpus, std::move(memory)), table_(sizeof(u64), round_up8(def.value_size), 0, false, memory_) {}

LocalStorageMap::~LocalStorageMap() {
  if (!has_timer()) return;
  for (u32 n = table_.first(); n != HashTable::kNil; n = table_.next(n)) release_fields(table_.value(n));
}

u64 LocalStorageMap::key_of(const void* key) const {
  u64 k = 0;
  std::memcpy(&k, key, std::min<u32>(def_.key_size, sizeof k));
  return k;
}

void LocalStorageMap::store_key(u64 owner_key, void* key_out) const {
  std::memset(key_out, 0, def_.key_size);
  std::memcpy(key_out, &owner_key, std::min<u32>(def_.key_size, sizeof owner_key));
}

void* LocalStorageMap::get(u64 owner_key, const void* init, bool create) {
  u32 n = table_.find(&owner_key);
  if (n != HashTable::kNil) return table_.value(n);
  if (!create) return nullptr;
  std::size_t chunks = table_.chunk_count();
  n = table_.insert(&owner_key);
  if (n == HashTable::kNil) return nullptr;
  if (table_.chunk_count() != chunks) bump_regions();
  if (init) copy_value(table_.value(n), init);
  return table_.value(n);
}

int LocalStorageMap::remove_owner(u64 owner_key) {
  u32 n = table_.find(&owner_key);
  if (n == HashTable::kNil) return -ENOENT;
  release_fields(table_.value(n));
  table_.erase(n);
  return 0;
}

void* LocalStorageMap::lookup(const void* key, int) {
  u64 k = key_of(key);
  u32 n = table_.find(&k);
  return n == HashTable::kNil ? nullptr : table_.value(n);
}

int LocalStorageMap::update(const void* key, const void* value, u64 flags, int) {
  if (int err = check_update_flags(flags, true)) return err;
  u64 k = key_of(key);
  u64 mode = flags & ~BPF_F_LOCK;
  u32 n = table_.find(&k);
  if (n != HashTable::kNil && mode == BPF_NOEXIST) return -EEXIST;
  if (n == HashTable::kNil && mode == BPF_EXIST) return -ENOENT;
  if (n == HashTable::kNil) return get(k, value, true) ? 0 : -ENOMEM;
  u8* v = table_.value(n);
  if (!(flags & BPF_F_LOCK)) {
    release_fields(v);
    init_special_fields(v);
  }
  copy_value(v, value);
  return 0;
}

int LocalStorageMap::get_next_key(const void* key, void* next_key) {
  u64 k = key ? key_of(key) : 0;
  u64 nk;
  int err = table_.get_next_key(key ? &k : nullptr, &nk);
  if (err) return err;
  store_key(nk, next_key);
  return 0;
}

void LocalStorageMap::for_each_region(const RegionFn& fn) const { table_.for_each_region(fn, true); }

bool LocalStorageMap::key_of_value(const void* inner, void* key_out, void** value_out) const {
  u32 n = table_.node_of_value(inner);
  if (n == HashTable::kNil) return false;
  u64 k;
  std::memcpy(&k, table_.key_at(n), sizeof k);
  store_key(k, key_out);
  *value_out = table_.value(n);
  return true;
}

void forget_owner(std::span<const std::shared_ptr<Map>> maps, MapType type, u64 owner_key) {
  for (const auto& m : maps)
    if (m->type() == type) static_cast<LocalStorageMap&>(*m).forget_owner(owner_key);
}

}  // namespace ups::bpf
