// HashTable: the chained hash table under every hash-like map (hash,
// per-CPU hash, LRU hash, hash of maps, task storage). Nodes are numbered;
// a node's value lives in stable, 8-byte aligned memory that never moves
// (preallocated in one block, or in 64-node chunks allocated on demand with
// BPF_F_NO_PREALLOC), while keys and links live in vectors that programs
// never point into.
//
// Iteration (first/next, get_next_key) walks buckets in order and each
// chain from its head, like Linux's htab; the hash function is fixed, so
// the order is the same on every run and machine.
#pragma once

#include <cstring>
#include <vector>

#include "bpf/maps/map.h"

namespace ups::bpf {

class HashTable {
public:
  static constexpr u32 kNil = ~0u;

  // capacity 0 = unbounded (task storage). value_bytes: bytes per node
  // (a multiple of 8).
  // memory, policy_writable: where values live (ValueBlock::make).
  HashTable(u32 key_size, u32 value_bytes, u32 capacity, bool prealloc,
            std::shared_ptr<ValueMemory> memory = nullptr, bool policy_writable = true);

  u32 find(const void* key) const {
    const u32 h = hash(key);
    for (u32 n = buckets_[h & bucket_mask_]; n != kNil; n = links_[n].next)
      if (links_[n].hash == h && key_equal(n, key)) return n;
    return kNil;
  }
  // Adds an absent key with a zeroed value; kNil when the table is full.
  u32 insert(const void* key);
  void erase(u32 node);

  u8* value(u32 node) const {
    return chunk_ptrs_[node >> chunk_shift_] + (node & chunk_mask_) * static_cast<std::size_t>(value_bytes_);
  }
  const u8* key_at(u32 node) const { return keys_.data() + static_cast<std::size_t>(node) * key_size_; }
  u32 size() const { return size_; }
  bool full() const { return capacity_ != 0 && size_ >= capacity_; }

  // Bucket order; kNil at the end.
  u32 first() const { return first_from(0); }
  u32 next(u32 node) const {
    if (links_[node].next != kNil) return links_[node].next;
    return first_from((links_[node].hash & bucket_mask_) + 1);
  }
  // Linux BPF_MAP_GET_NEXT_KEY semantics.
  int get_next_key(const void* key, void* next_key) const;

  // The live node whose value contains p, or kNil.
  u32 node_of_value(const void* p) const;
  void for_each_region(const RegionFn& fn, bool writable) const;
  std::size_t memory_bytes() const;
  std::size_t chunk_count() const { return blocks_.size(); }

private:
  struct Link {
    u32 next;  // chain link
    u32 hash;
  };
  // Fixed hash (no per-run seed: iteration order must be reproducible).
  // 4- and 8-byte keys (pids, cpu ids, u64 ids) take the short paths.
  static u64 mix64(u64 x) {
    x ^= x >> 31;
    x *= 0xbf58476d1ce4e5b9ULL;
    x ^= x >> 29;
    x *= 0x94d049bb133111ebULL;
    x ^= x >> 32;
    return x;
  }
  u32 hash(const void* key) const {
    if (key_size_ == 4) {
      u32 k;
      std::memcpy(&k, key, 4);
      return static_cast<u32>(mix64(k ^ 0x9e3779b97f4a7c15ULL));
    }
    if (key_size_ == 8) {
      u64 k;
      std::memcpy(&k, key, 8);
      return static_cast<u32>(mix64(k ^ 0x9e3779b97f4a7c15ULL));
    }
    return hash_bytes(key);
  }
  u32 hash_bytes(const void* key) const;
  bool key_equal(u32 node, const void* key) const {
    const u8* k = key_at(node);
    if (key_size_ == 4) {
      u32 a, b;
      std::memcpy(&a, k, 4);
      std::memcpy(&b, key, 4);
      return a == b;
    }
    if (key_size_ == 8) {
      u64 a, b;
      std::memcpy(&a, k, 8);
      std::memcpy(&b, key, 8);
      return a == b;
    }
    if ((key_size_ & 7) == 0) {  // struct keys of whole words: no libc call
      const u8* q = static_cast<const u8*>(key);
      u64 diff = 0;
      for (u32 i = 0; i < key_size_; i += 8) {
        u64 a, b;
        std::memcpy(&a, k + i, 8);
        std::memcpy(&b, q + i, 8);
        diff |= a ^ b;
      }
      return diff == 0;
    }
    return std::memcmp(k, key, key_size_) == 0;
  }
  u32 first_from(u32 bucket) const;
  u32 alloc_node();
  void link(u32 node);
  void grow_buckets();

  u32 key_size_, value_bytes_, capacity_;
  bool prealloc_;
  std::shared_ptr<ValueMemory> memory_;
  bool policy_writable_;
  std::vector<u32> buckets_;
  u32 bucket_mask_ = 0;
  std::vector<Link> links_;  // per node
  std::vector<u8> live_;     // per node
  std::vector<u8> keys_;     // key_size bytes per node
  std::vector<u32> free_;    // free node numbers, popped from the back
  std::vector<ValueBlock> blocks_;
  std::vector<u8*> chunk_ptrs_;
  u32 chunk_shift_ = 6, chunk_mask_ = 63;
  u32 allocated_ = 0;  // nodes with metadata
  u32 size_ = 0;
};

}  // namespace ups::bpf
