// RingbufMap: BPF_MAP_TYPE_RINGBUF, a multi-record byte ring written by
// programs (bpf_ringbuf_reserve/submit/discard/output) and read by the host
// (consume), with Linux's record format: an 8-byte header {u32 len with
// BUSY (bit 31) and DISCARD (bit 30) flags, u32 page offset} followed by the
// data, each record padded to 8 bytes. max_entries is the data size (a power
// of two and a multiple of 4096); a reservation that would put the producer
// more than size - 1 bytes ahead of the consumer fails.
//
// Linux maps the data pages twice so a record that wraps is contiguous in
// memory; here the data area is allocated twice as large and a record is
// written past the end of the first half, with the same effect: a reserved
// sample is always contiguous and the consumer reads it in place.
#pragma once

#include <functional>
#include <span>

#include "bpf/maps/map.h"

namespace ups::bpf {

inline constexpr u32 BPF_RINGBUF_BUSY_BIT = 1u << 31;
inline constexpr u32 BPF_RINGBUF_DISCARD_BIT = 1u << 30;
inline constexpr u32 BPF_RINGBUF_HDR_SZ = 8;
inline constexpr u64 BPF_RB_NO_WAKEUP = 1, BPF_RB_FORCE_WAKEUP = 2;

class RingbufMap final : public Map {
public:
  RingbufMap(const MapDef& def, int nr_cpus);

  void* lookup(const void*, int) override { return nullptr; }
  void for_each_region(const RegionFn& fn) const override;
  std::size_t memory_bytes() const override { return block_.bytes; }

  // Program side. reserve: the sample, or null (bad flags, too large, no
  // room). commit: submit or discard a reserved sample.
  void* reserve(u64 size, u64 flags);
  static void commit(void* sample, u64 flags, bool discard);
  // bpf_ringbuf_output: 0, -EINVAL (flags) or -EAGAIN (no room).
  int output(const void* data, u64 size, u64 flags);
  // Whether `sample` is a sample of this ring still reserved (busy), as
  // commit() will find it: inside the ring, its header pointing back to
  // this ring. What a confined policy's bpf_ringbuf_submit/discard are
  // given is checked so (policy/confinement.h) before commit() trusts the
  // header, which the policy's own memory holds.
  bool holds_reserved(const void* sample) const;
  // The ring a reserved sample belongs to (from its header, like Linux).
  static RingbufMap* owner_of(void* sample);

  // Host side: delivers committed records in order, skipping discarded
  // ones, stopping at the first record still being written; returns how
  // many were delivered.
  int consume(const std::function<void(std::span<const u8>)>& fn);
  u64 consumer_pos() const { return consumer_pos_; }
  u64 producer_pos() const { return producer_pos_; }
  u64 avail_data() const { return producer_pos_ - consumer_pos_; }
  u64 data_size() const { return mask_ + 1; }
  // Wakeups the host would get (a commit at the consumer's position, or
  // BPF_RB_FORCE_WAKEUP), for hosts that poll.
  u64 wakeups() const { return wakeups_; }

private:
  u8* data() const { return block_.data() + kPrefix; }
  static constexpr std::size_t kPrefix = 16;  // owner pointer, then padding

  u64 mask_;
  u64 consumer_pos_ = 0, producer_pos_ = 0;
  u64 wakeups_ = 0;
  ValueBlock block_;
};

}  // namespace ups::bpf
