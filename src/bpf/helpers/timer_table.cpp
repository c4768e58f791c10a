// TimerTable: bpf_timer_init/set_callback/start/cancel and the firing and
// freeing of timers (kernel/bpf/helpers.c, bpf_async_*).
#include "bpf/helpers/timer_table.h"

#include <algorithm>
#include <cstring>

#include "bpf/helpers/helper_env.h"
#include "bpf/maps/map_factory.h"

namespace ups::bpf {

u64 TimerTable::id_of(const void* timer) {
  u64 id;
  std::memcpy(&id, timer, sizeof id);
  return id;
}

TimerTable::~TimerTable() {
  // The environment is going away: its clock can no longer fire anything.
  // Leave the maps with cleared timer fields.
  for (Record& r : records_)
    if (r.id) std::memset(r.field, 0, kBpfTimerSize);
  for (Map* m : maps_) m->set_timer_releaser(nullptr);
}

TimerTable::Record* TimerTable::find_id(u64 id) {
  u64 idx = (id & 0xffffffffu);
  if (idx == 0 || idx > records_.size()) return nullptr;
  Record& r = records_[idx - 1];
  return r.id == id ? &r : nullptr;
}

TimerTable::Record* TimerTable::find(const void* timer) {
  Record* r = find_id(id_of(timer));
  return (r && r->field == timer) ? r : nullptr;
}

int TimerTable::init(void* timer, Map* map, u64 flags) {
  if (flags != kClockRealtime && flags != kClockMonotonic && flags != kClockBoottime) return -EINVAL;
  if (id_of(timer) != 0) return -EBUSY;
  if (!map || !map->has_timer()) return -EINVAL;
  // The timer must be the bpf_timer field of a value of this map.
  alignas(8) u8 key[kMaxMapKeySize];
  void* value = nullptr;
  if (!map->key_of_value(timer, key, &value) ||
      static_cast<u8*>(value) + map->def().timer_off != timer)
    return -EINVAL;
  if (int err = attach(*map)) return err;
  u32 idx;
  if (!free_.empty()) {
    idx = free_.back();
    free_.pop_back();
  } else {
    idx = static_cast<u32>(records_.size());
    records_.emplace_back();
    generation_.push_back(0);
  }
  u64 id = (u64{++generation_[idx]} << 32) | (idx + 1);
  Record& r = records_[idx];
  r = Record{};
  r.id = id;
  r.map = map;
  r.field = static_cast<u8*>(timer);
  std::memcpy(timer, &id, sizeof id);
  return 0;
}

int TimerTable::attach(Map& map) {
  if (map.timer_releaser() && map.timer_releaser() != this) return -EINVAL;  // another policy's timers
  map.set_timer_releaser(this);
  if (std::find(maps_.begin(), maps_.end(), &map) == maps_.end()) maps_.push_back(&map);
  return 0;
}

int TimerTable::set_callback(void* timer, u64 callback, const CallContext& ctx) {
  Record* r = find(timer);
  if (!r) return -EINVAL;
  r->callback = callback;
  r->has_callback = true;
  r->invoker = ctx.invoker;
  r->host = ctx.host;
  return 0;
}

int TimerTable::start(void* timer, u64 nsecs, u64 flags) {
  if (flags & ~(BPF_F_TIMER_ABS | BPF_F_TIMER_CPU_PIN)) return -EINVAL;
  Record* r = find(timer);
  if (!r || !r->has_callback) return -EINVAL;
  u64 at = (flags & BPF_F_TIMER_ABS) ? nsecs : env_.now_ns() + nsecs;
  r->armed = true;
  env_.arm_timer(r->id, at, (flags & BPF_F_TIMER_CPU_PIN) ? static_cast<int>(env_.cpu()) : -1);
  return 0;
}

int TimerTable::cancel(void* timer) {
  Record* r = find(timer);
  if (!r) return -EINVAL;
  if (r->running) return -EDEADLK;
  r->has_callback = false;  // Linux drops the callback program on cancel
  if (!r->armed) return 0;
  r->armed = false;
  env_.cancel_timer(r->id);
  return 1;
}

bool TimerTable::fire(u64 timer_id) {
  Record* r = find_id(timer_id);
  if (!r || !r->armed || !r->has_callback) return false;
  r->armed = false;
  alignas(8) u8 key[kMaxMapKeySize];
  void* value = nullptr;
  if (!r->map->key_of_value(r->field, key, &value)) return false;
  u32 idx = static_cast<u32>((timer_id & 0xffffffffu) - 1);
  CallContext ctx;
  ctx.invoker = r->invoker;
  ctx.env = &env_;
  ctx.host = r->host;
  if (!ctx.invoker) {
    env_.fault(ctx, "bpf_timer callback has no program to run it");
    return true;
  }
  r->running = true;
  Map* map = r->map;
  u64 cb = r->callback;
  // The callback may free this timer or create others (records_ may grow),
  // so the record is found again by index afterwards.
  ctx.invoker->run_callback(ctx, static_cast<u32>(cb), reinterpret_cast<u64>(map), reinterpret_cast<u64>(key),
                            reinterpret_cast<u64>(value), 0, 0);
  if (records_[idx].id == timer_id) records_[idx].running = false;
  if (ctx.abort) {
    const std::optional<CallbackTrap> trap = ctx.invoker->last_callback_trap();
    if (env_.last_fault().empty()) env_.fault(ctx, trap ? trap->what : "bpf_timer callback trapped");
    if (trap) env_.set_fault_pc(trap->pc);
  }
  return true;
}

const SubprogInvoker* TimerTable::invoker_of(u64 timer_id) {
  const Record* r = find_id(timer_id);
  return r && r->has_callback ? r->invoker : nullptr;
}

void TimerTable::free_record(Record& r, bool cancel) {
  if (cancel && r.armed) env_.cancel_timer(r.id);
  u32 idx = static_cast<u32>((r.id & 0xffffffffu) - 1);
  r = Record{};
  free_.push_back(idx);
}

void TimerTable::release_timer(Map&, void* timer) {
  if (Record* r = find(timer)) free_record(*r, true);
  std::memset(timer, 0, kBpfTimerSize);
}

void TimerTable::forget_map(Map& map) {
  for (Record& r : records_)
    if (r.id && r.map == &map) free_record(r, true);
  maps_.erase(std::remove(maps_.begin(), maps_.end(), &map), maps_.end());
  if (map.timer_releaser() == this) map.set_timer_releaser(nullptr);
}

std::size_t TimerTable::live() const {
  return static_cast<std::size_t>(
      std::count_if(records_.begin(), records_.end(), [](const Record& r) { return r.id != 0; }));
}

bool TimerTable::armed(u64 timer_id) const {
  u64 idx = timer_id & 0xffffffffu;
  if (idx == 0 || idx > records_.size()) return false;
  const Record& r = records_[idx - 1];
  return r.id == timer_id && r.armed;
}

}  // namespace ups::bpf
