// LruHashMap: an intrusive doubly linked recency list over the hash nodes.
#include "bpf/maps/lru_hash_map.h"

#include <utility>

namespace ups::bpf {

LruHashMap::LruHashMap(const MapDef& def, int nr_cpus, std::shared_ptr<ValueMemory> memory)
    : HashMap(def, nr_cpus, std::move(memory)), prev_(def.max_entries, HashTable::kNil),
      next_(def.max_entries, HashTable::kNil) {}

void LruHashMap::unlink(u32 n) {
  if (prev_[n] != HashTable::kNil) next_[prev_[n]] = next_[n]; else head_ = next_[n];
  if (next_[n] != HashTable::kNil) prev_[next_[n]] = prev_[n]; else tail_ = prev_[n];
  prev_[n] = next_[n] = HashTable::kNil;
}

void LruHashMap::push_front(u32 n) {
  prev_[n] = HashTable::kNil;
  next_[n] = head_;
  if (head_ != HashTable::kNil) prev_[head_] = n;
  head_ = n;
  if (tail_ == HashTable::kNil) tail_ = n;
}

void LruHashMap::touch(u32 n) {
  if (head_ == n) return;
  unlink(n);
  push_front(n);
}

bool LruHashMap::make_room() {
  if (tail_ == HashTable::kNil) return false;
  erase_node(tail_);
  return true;
}

std::vector<std::vector<u8>> LruHashMap::keys_by_recency() const {
  std::vector<std::vector<u8>> out;
  for (u32 n = head_; n != HashTable::kNil; n = next_[n])
    out.emplace_back(table_.key_at(n), table_.key_at(n) + def_.key_size);
  return out;
}

}  // namespace ups::bpf
