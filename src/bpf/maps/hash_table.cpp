// HashTable: node pool, chaining and deterministic iteration.
#include "bpf/maps/hash_table.h"

#include <utility>

#include <bit>

#include "base/assert.h"

namespace ups::bpf {

namespace {

constexpr u32 kChunkShift = 6;  // 64 nodes per lazily allocated chunk
constexpr u32 kMinBuckets = 16;

}  // namespace

HashTable::HashTable(u32 key_size, u32 value_bytes, u32 capacity, bool prealloc,
                     std::shared_ptr<ValueMemory> memory, bool policy_writable)
    : key_size_(key_size), value_bytes_(value_bytes), capacity_(capacity),
      prealloc_(prealloc && capacity != 0), memory_(std::move(memory)), policy_writable_(policy_writable) {
  u32 nb = kMinBuckets;
  if (prealloc_) {
    nb = std::max<u32>(kMinBuckets, std::bit_ceil(capacity_));
    // One block holds every node, so the chunk index is always 0.
    chunk_shift_ = static_cast<u32>(std::countr_zero(std::bit_ceil(capacity_)));
    chunk_mask_ = (chunk_shift_ >= 32) ? ~0u : (1u << chunk_shift_) - 1;
    blocks_.push_back(ValueBlock::make(static_cast<std::size_t>(capacity_) * value_bytes_, memory_, policy_writable_));
    chunk_ptrs_.push_back(blocks_.back().data());
    links_.assign(capacity_, Link{kNil, 0});
    live_.assign(capacity_, 0);
    keys_.assign(static_cast<std::size_t>(capacity_) * key_size_, 0);
    allocated_ = capacity_;
    free_.reserve(capacity_);
    for (u32 i = capacity_; i-- > 0;) free_.push_back(i);  // node 0 is used first
  } else {
    chunk_shift_ = kChunkShift;
    chunk_mask_ = (1u << kChunkShift) - 1;
    if (capacity_ != 0) nb = std::max<u32>(kMinBuckets, std::min<u32>(std::bit_ceil(capacity_), 1u << 16));
  }
  buckets_.assign(nb, kNil);
  bucket_mask_ = nb - 1;
}

u32 HashTable::hash_bytes(const void* key) const {
  const auto* p = static_cast<const u8*>(key);
  u32 n = key_size_;
  u64 h = 0x9e3779b97f4a7c15ULL ^ n;
  while (n >= 8) {
    u64 w;
    std::memcpy(&w, p, 8);
    h = mix64(h ^ w);
    p += 8;
    n -= 8;
  }
  if (n) {
    u64 w = 0;
    std::memcpy(&w, p, n);
    h = mix64(h ^ w);
  }
  return static_cast<u32>(h);
}

u32 HashTable::alloc_node() {
  if (!free_.empty()) {
    u32 n = free_.back();
    free_.pop_back();
    return n;
  }
  if (prealloc_) return kNil;
  if (capacity_ != 0 && allocated_ >= capacity_) return kNil;
  u32 n = allocated_++;
  if ((n & chunk_mask_) == 0) {
    blocks_.push_back(ValueBlock::make(static_cast<std::size_t>(chunk_mask_ + 1) * value_bytes_, memory_, policy_writable_));
    chunk_ptrs_.push_back(blocks_.back().data());
  }
  links_.push_back(Link{kNil, 0});
  live_.push_back(0);
  keys_.resize(keys_.size() + key_size_);
  return n;
}

void HashTable::link(u32 node) {
  u32& head = buckets_[links_[node].hash & bucket_mask_];
  links_[node].next = head;  // new nodes go to the head of the chain, like Linux
  head = node;
}

void HashTable::grow_buckets() {
  // Relink in the old iteration order so the result is deterministic.
  std::vector<u32> order;
  order.reserve(size_);
  for (u32 n = first(); n != kNil; n = next(n)) order.push_back(n);
  u32 nb = static_cast<u32>(buckets_.size()) * 2;
  buckets_.assign(nb, kNil);
  bucket_mask_ = nb - 1;
  for (u32 i = static_cast<u32>(order.size()); i-- > 0;) link(order[i]);
}

u32 HashTable::insert(const void* key) {
  if (full()) return kNil;
  u32 n = alloc_node();
  if (n == kNil) return kNil;
  links_[n].hash = hash(key);
  live_[n] = 1;
  std::memcpy(keys_.data() + static_cast<std::size_t>(n) * key_size_, key, key_size_);
  std::memset(value(n), 0, value_bytes_);
  ++size_;
  if (!prealloc_ && size_ > buckets_.size() && buckets_.size() < (1u << 30)) grow_buckets();
  link(n);
  return n;
}

void HashTable::erase(u32 node) {
  UPS_ASSERT(node < allocated_ && live_[node]);
  u32* link_ptr = &buckets_[links_[node].hash & bucket_mask_];
  while (*link_ptr != node) link_ptr = &links_[*link_ptr].next;
  *link_ptr = links_[node].next;
  links_[node].next = kNil;
  live_[node] = 0;
  --size_;
  free_.push_back(node);
}

u32 HashTable::first_from(u32 bucket) const {
  for (u32 b = bucket; b < buckets_.size(); ++b)
    if (buckets_[b] != kNil) return buckets_[b];
  return kNil;
}

int HashTable::get_next_key(const void* key, void* next_key) const {
  u32 n = key ? find(key) : kNil;
  u32 nx = (n == kNil) ? first() : next(n);
  if (nx == kNil) return -ENOENT;
  std::memcpy(next_key, key_at(nx), key_size_);
  return 0;
}

u32 HashTable::node_of_value(const void* p) const {
  const auto* b = static_cast<const u8*>(p);
  for (std::size_t c = 0; c < blocks_.size(); ++c) {
    const u8* base = blocks_[c].data();
    if (b < base || b >= base + blocks_[c].bytes) continue;
    u32 n = static_cast<u32>((c << chunk_shift_) + static_cast<std::size_t>(b - base) / value_bytes_);
    return (n < allocated_ && live_[n]) ? n : kNil;
  }
  return kNil;
}

void HashTable::for_each_region(const RegionFn& fn, bool writable) const {
  for (const auto& b : blocks_) fn(b.data(), b.bytes, writable);
}

std::size_t HashTable::memory_bytes() const {
  std::size_t bytes = buckets_.size() * sizeof(u32) + keys_.size() +
                      links_.size() * (sizeof(Link) + 1) + free_.capacity() * sizeof(u32);
  for (const auto& b : blocks_) bytes += b.bytes;
  return bytes;
}

}  // namespace ups::bpf
