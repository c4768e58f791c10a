// QueueStackMap: BPF_MAP_TYPE_QUEUE (FIFO) and BPF_MAP_TYPE_STACK (LIFO),
// one ring of max_entries + 1 slots like Linux's queue_stack_maps.c. Push
// on a full map gives -E2BIG unless BPF_EXIST, which drops the oldest
// element; pop and peek on an empty map zero the output and give -ENOENT.
// Programs never hold pointers into the ring (pop and peek copy out), so the
// map exposes no region.
#pragma once

#include "bpf/maps/map.h"

namespace ups::bpf {

class QueueStackMap final : public Map {
public:
  QueueStackMap(const MapDef& def, int nr_cpus);

  void* lookup(const void*, int) override { return nullptr; }
  int update(const void*, const void*, u64, int) override { return -EINVAL; }
  int remove(const void*) override { return -EINVAL; }
  int get_next_key(const void*, void*) override { return -EINVAL; }
  int push(const void* value, u64 flags) override;
  int pop(void* value) override { return take(value, true); }
  int peek(void* value) override { return take(value, false); }
  // The host's BPF_MAP_LOOKUP_AND_DELETE_ELEM / LOOKUP_ELEM with no key.
  int host_lookup(const void*, void* value_out) override { return peek(value_out); }
  int host_update(const void*, const void* value, u64 flags) override { return push(value, flags); }
  void for_each_region(const RegionFn&) const override {}
  std::size_t memory_bytes() const override { return ring_.bytes; }

  u32 size() const { return head_ >= tail_ ? head_ - tail_ : head_ + slots_ - tail_; }

private:
  int take(void* value, bool remove);
  u8* slot(u32 i) const { return ring_.data() + static_cast<std::size_t>(i) * def_.value_size; }

  bool stack_;
  u32 slots_;  // max_entries + 1
  u32 head_ = 0, tail_ = 0;
  ValueBlock ring_;
};

}  // namespace ups::bpf
