// Map: defaults shared by every map type (Linux's answers for operations a
// type does not implement) and the special-field handling of values.
#include "bpf/maps/map.h"

#include <algorithm>
#include <cstring>
#include <vector>

namespace ups::bpf {

Map::Map(const MapDef& def, int nr_cpus, std::shared_ptr<ValueMemory> memory)
    : def_(def),
      nr_cpus_(nr_cpus),
      memory_(std::move(memory)),
      value_stride_(round_up8(def.value_size)),
      special_(special_fields(def)) {}

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

namespace {

constexpr u32 kKptrSize = 8, kRbRootSize = 16;

}  // namespace

// The special fields of a value, in address order.
std::vector<Map::Hole> Map::special_fields(const MapDef& def) {
  std::vector<Hole> holes;
  if (def.timer_off >= 0) holes.push_back({static_cast<u32>(def.timer_off), kBpfTimerSize});
  if (def.spin_lock_off >= 0) holes.push_back({static_cast<u32>(def.spin_lock_off), kBpfSpinLockSize});
  for (const auto& k : def.kptrs) holes.push_back({k.offset, kKptrSize});
  for (const auto& r : def.rb_roots) holes.push_back({r.offset, kRbRootSize});
  std::sort(holes.begin(), holes.end(), [](const Hole& a, const Hole& b) { return a.off < b.off; });
  return holes;
}

void Map::copy_value(void* dst, const void* src) const {
  // Copy the gaps around the special fields.
  auto* d = static_cast<u8*>(dst);
  auto* s = static_cast<const u8*>(src);
  u32 pos = 0;
  for (const Hole& h : special_) {
    if (h.off > pos) std::memcpy(d + pos, s + pos, h.off - pos);
    pos = std::max(pos, h.off + h.size);
  }
  if (def_.value_size > pos) std::memcpy(d + pos, s + pos, def_.value_size - pos);
}

void Map::init_special_fields(void* value) const {
  auto* v = static_cast<u8*>(value);
  for (const Hole& h : special_) std::memset(v + h.off, 0, h.size);
}

void Map::release_fields(void* value) {
  auto* v = static_cast<u8*>(value);
  for (const auto& k : def_.kptrs) {
    const u64 obj = __atomic_exchange_n(reinterpret_cast<u64*>(v + k.offset), u64{0}, __ATOMIC_SEQ_CST);
    if (obj && kptr_releaser_) kptr_releaser_(obj);
  }
  if (def_.timer_off < 0 || !timer_releaser_) return;
  timer_releaser_->release_timer(*this, v + def_.timer_off);
}

int Map::check_update_flags(u64 flags, bool lock_allowed) const {
  if ((flags & ~BPF_F_LOCK) > BPF_EXIST) return -EINVAL;
  if (flags & BPF_F_LOCK) {
    if (!lock_allowed || def_.spin_lock_off < 0) return -EINVAL;
  }
  return 0;
}

}  // namespace ups::bpf
