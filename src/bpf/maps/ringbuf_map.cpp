// RingbufMap: __bpf_ringbuf_reserve / bpf_ringbuf_commit of
// kernel/bpf/ringbuf.c and libbpf's ringbuf_process_ring on the host side.
#include "bpf/maps/ringbuf_map.h"

#include <cstring>

namespace ups::bpf {

namespace {
constexpr u64 kMaxRecordSize = 0xffffffffu / 4;  // RINGBUF_MAX_RECORD_SZ

struct Header {
  u32 len;
  u32 pg_off;  // here: offset of the header from the data start, in 8-byte units
};
}  // namespace

RingbufMap::RingbufMap(const MapDef& def, int nr_cpus)
    : Map(def, nr_cpus), mask_(def.max_entries - 1u),
      block_(ValueBlock::make(kPrefix + 2 * static_cast<std::size_t>(def.max_entries))) {
  RingbufMap* self = this;
  std::memcpy(block_.data(), &self, sizeof self);
}

void RingbufMap::for_each_region(const RegionFn& fn) const {
  fn(data(), 2 * data_size(), true);
}

void* RingbufMap::reserve(u64 size, u64 flags) {
  if (flags != 0 || size > kMaxRecordSize) return nullptr;
  u64 len = (size + BPF_RINGBUF_HDR_SZ + 7) & ~u64{7};
  if (len > data_size()) return nullptr;
  u64 new_prod = producer_pos_ + len;
  if (new_prod - consumer_pos_ > mask_) return nullptr;
  u64 off = producer_pos_ & mask_;
  Header h{static_cast<u32>(size) | BPF_RINGBUF_BUSY_BIT, static_cast<u32>(off / 8)};
  std::memcpy(data() + off, &h, sizeof h);
  producer_pos_ = new_prod;
  return data() + off + BPF_RINGBUF_HDR_SZ;
}

bool RingbufMap::holds_reserved(const void* sample) const {
  const u8* s = static_cast<const u8*>(sample);
  if (s < data() + BPF_RINGBUF_HDR_SZ || s >= data() + data_size()) return false;
  const u8* hdr = s - BPF_RINGBUF_HDR_SZ;
  if ((hdr - data()) % 8 != 0) return false;
  Header h;
  std::memcpy(&h, hdr, sizeof h);
  return static_cast<std::size_t>(h.pg_off) * 8 == static_cast<std::size_t>(hdr - data()) &&
         (h.len & BPF_RINGBUF_BUSY_BIT) != 0;
}

RingbufMap* RingbufMap::owner_of(void* sample) {
  u8* hdr = static_cast<u8*>(sample) - BPF_RINGBUF_HDR_SZ;
  Header h;
  std::memcpy(&h, hdr, sizeof h);
  u8* base = hdr - static_cast<std::size_t>(h.pg_off) * 8 - kPrefix;
  RingbufMap* owner;
  std::memcpy(&owner, base, sizeof owner);
  return owner;
}

void RingbufMap::commit(void* sample, u64 flags, bool discard) {
  RingbufMap* rb = owner_of(sample);
  u8* hdr = static_cast<u8*>(sample) - BPF_RINGBUF_HDR_SZ;
  Header h;
  std::memcpy(&h, hdr, sizeof h);
  u64 rec_pos = static_cast<u64>(hdr - rb->data());
  h.len &= ~BPF_RINGBUF_BUSY_BIT;
  if (discard) h.len |= BPF_RINGBUF_DISCARD_BIT;
  std::memcpy(hdr, &h, sizeof h);
  if (flags & BPF_RB_FORCE_WAKEUP)
    ++rb->wakeups_;
  else if ((rb->consumer_pos_ & rb->mask_) == rec_pos && !(flags & BPF_RB_NO_WAKEUP))
    ++rb->wakeups_;
}

int RingbufMap::output(const void* src, u64 size, u64 flags) {
  if (flags & ~(BPF_RB_NO_WAKEUP | BPF_RB_FORCE_WAKEUP)) return -EINVAL;
  void* sample = reserve(size, 0);
  if (!sample) return -EAGAIN;
  if (size) std::memcpy(sample, src, size);
  commit(sample, flags, false);
  return 0;
}

int RingbufMap::consume(const std::function<void(std::span<const u8>)>& fn) {
  int delivered = 0;
  while (consumer_pos_ < producer_pos_) {
    const u8* hdr = data() + (consumer_pos_ & mask_);
    Header h;
    std::memcpy(&h, hdr, sizeof h);
    if (h.len & BPF_RINGBUF_BUSY_BIT) break;
    u32 len = h.len & ~(BPF_RINGBUF_BUSY_BIT | BPF_RINGBUF_DISCARD_BIT);
    if (!(h.len & BPF_RINGBUF_DISCARD_BIT)) {
      fn(std::span<const u8>(hdr + BPF_RINGBUF_HDR_SZ, len));
      ++delivered;
    }
    consumer_pos_ += (u64{len} + BPF_RINGBUF_HDR_SZ + 7) & ~u64{7};
  }
  return delivered;
}

}  // namespace ups::bpf
