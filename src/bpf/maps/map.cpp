// Map: defaults shared by every map type (Linux's answers for operations a
// type does not implement) and the special-field handling of values.
#include "bpf/maps/map.h"

#include <cstring>

namespace ups::bpf {

Map::Map(const MapDef& def, int nr_cpus)
    : def_(def), nr_cpus_(nr_cpus), value_stride_(round_up8(def.value_size)) {}

Map::~Map() {
  if (timer_releaser_) timer_releaser_->forget_map(*this);
}

int Map::update(const void*, const void*, u64, int) { return -kENOTSUPP; }
int Map::remove(const void*) { return -kENOTSUPP; }
int Map::push(const void*, u64) { return -kENOTSUPP; }
int Map::pop(void*) { return -kENOTSUPP; }
int Map::peek(void*) { return -kENOTSUPP; }
int Map::get_next_key(const void*, void*) { return -kENOTSUPP; }

u32 Map::host_value_size() const {
  return is_percpu() ? value_stride_ * static_cast<u32>(nr_cpus_) : def_.value_size;
}

int Map::host_lookup(const void* key, void* value_out) {
  void* v = lookup(key, 0);
  if (!v) return -ENOENT;
  std::memcpy(value_out, v, def_.value_size);
  return 0;
}

int Map::host_update(const void* key, const void* value, u64 flags) {
  return update(key, value, flags, 0);
}

bool Map::key_of_value(const void*, void*, void**) const { return false; }

void Map::copy_value(void* dst, const void* src) const {
  // Copy the gaps around at most two special fields, in address order.
  struct Hole {
    u32 off, size;
  } holes[2];
  int n = 0;
  if (def_.timer_off >= 0) holes[n++] = {static_cast<u32>(def_.timer_off), kBpfTimerSize};
  if (def_.spin_lock_off >= 0)
    holes[n++] = {static_cast<u32>(def_.spin_lock_off), kBpfSpinLockSize};
  if (n == 2 && holes[1].off < holes[0].off) std::swap(holes[0], holes[1]);
  auto* d = static_cast<u8*>(dst);
  auto* s = static_cast<const u8*>(src);
  u32 pos = 0;
  for (int i = 0; i < n; ++i) {
    if (holes[i].off > pos) std::memcpy(d + pos, s + pos, holes[i].off - pos);
    pos = holes[i].off + holes[i].size;
  }
  if (def_.value_size > pos) std::memcpy(d + pos, s + pos, def_.value_size - pos);
}

void Map::init_special_fields(void* value) const {
  auto* v = static_cast<u8*>(value);
  if (def_.timer_off >= 0) std::memset(v + def_.timer_off, 0, kBpfTimerSize);
  if (def_.spin_lock_off >= 0) std::memset(v + def_.spin_lock_off, 0, kBpfSpinLockSize);
}

void Map::release_fields(void* value) {
  if (def_.timer_off < 0 || !timer_releaser_) return;
  timer_releaser_->release_timer(*this, static_cast<u8*>(value) + def_.timer_off);
}

int Map::check_update_flags(u64 flags, bool lock_allowed) const {
  if ((flags & ~BPF_F_LOCK) > BPF_EXIST) return -EINVAL;
  if (flags & BPF_F_LOCK) {
    if (!lock_allowed || def_.spin_lock_off < 0) return -EINVAL;
  }
  return 0;
}

ValueBlock ValueBlock::make(std::size_t bytes) {
  ValueBlock b;
  b.bytes = bytes;
  std::size_t words = (bytes + 7) / 8;
  b.words = std::make_unique<u64[]>(words == 0 ? 1 : words);  // value-initialised: zero
  return b;
}

}  // namespace ups::bpf
