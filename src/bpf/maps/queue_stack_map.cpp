// QueueStackMap: queue_stack_map_push_elem / __queue_map_get /
// __stack_map_get of Linux.
#include "bpf/maps/queue_stack_map.h"

#include <cstring>

namespace ups::bpf {

QueueStackMap::QueueStackMap(const MapDef& def, int nr_cpus)
    : Map(def, nr_cpus), stack_(def.type == MapType::stack), slots_(def.max_entries + 1),
      ring_(ValueBlock::make(static_cast<std::size_t>(def.max_entries + 1) * def.value_size)) {}

int QueueStackMap::push(const void* value, u64 flags) {
  if ((flags & BPF_NOEXIST) || flags > BPF_EXIST) return -EINVAL;
  u32 next_head = head_ + 1 == slots_ ? 0 : head_ + 1;
  if (next_head == tail_) {  // full
    if (!(flags & BPF_EXIST)) return -E2BIG;
    tail_ = tail_ + 1 == slots_ ? 0 : tail_ + 1;  // overwrite the oldest
  }
  std::memcpy(slot(head_), value, def_.value_size);
  head_ = next_head;
  return 0;
}

int QueueStackMap::take(void* value, bool remove) {
  if (head_ == tail_) {
    std::memset(value, 0, def_.value_size);
    return -ENOENT;
  }
  if (stack_) {
    u32 idx = head_ == 0 ? slots_ - 1 : head_ - 1;
    std::memcpy(value, slot(idx), def_.value_size);
    if (remove) head_ = idx;
  } else {
    std::memcpy(value, slot(tail_), def_.value_size);
    if (remove) tail_ = tail_ + 1 == slots_ ? 0 : tail_ + 1;
  }
  return 0;
}

}  // namespace ups::bpf
