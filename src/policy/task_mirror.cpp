#include "policy/task_mirror.h"

#include <algorithm>
#include <cstring>
#include <new>

#include "base/assert.h"
#include "policy/policy_clock.h"

namespace ups::policy {

TaskMirrors::Slot* TaskMirrors::new_slot(Task& t) {
  UPS_ASSERT(t.id > 0);
  const auto idx = static_cast<size_t>(t.id);
  if (idx >= by_id_.size()) by_id_.resize(std::max(idx + 1, by_id_.size() * 2));
  std::unique_ptr<Slot>& slot = by_id_[idx];
  slot = std::make_unique<Slot>();
  slot->image = bpf::ValueBlock::make(sizeof(kabi::TaskStruct), memory_, true);
  slot->ts = new (slot->image.data()) kabi::TaskStruct{};
  by_addr_[reinterpret_cast<u64>(slot->ts)] = slot.get();
  kabi::TaskStruct& ts = *slot->ts;
  ts.pid = static_cast<s32>(t.id);
  ts.tgid = static_cast<s32>(t.id);
  std::memcpy(ts.comm, t.comm.data(), sizeof ts.comm);
  ts.comm[sizeof ts.comm - 1] = 0;
  ts.cpus_ptr = reinterpret_cast<u64>(&ts.cpus_mask);
  ts.static_prio = ts.normal_prio = ts.prio = 120;
  copy_affinity(*slot, t);
  return slot.get();
}

kabi::TaskStruct* TaskMirrors::hand_out(Task& t) {
  Slot* slot = slot_of(t.id);
  // A kfunc hands back the task it was just given (refreshed after the
  // core changed it): listed once more would only be written back twice.
  const bool listed = n_touched_ > 0 && touched_[n_touched_ - 1] == slot;
  if (!slot || (!listed && n_touched_ == touched_.size())) [[unlikely]]
    return hand_out_slow(t);
  refresh(*slot, t);
  if (!listed) touched_[n_touched_++] = slot;
  return slot->ts;
}

kabi::TaskStruct* TaskMirrors::hand_out_slow(Task& t) {
  Slot* slot = slot_of(t.id);
  if (!slot) slot = new_slot(t);
  refresh(*slot, t);
  if (n_touched_ > 0 && touched_[n_touched_ - 1] == slot) return slot->ts;
  if (n_touched_ == touched_.size()) touched_.resize(touched_.size() * 2);
  touched_[n_touched_++] = slot;
  return slot->ts;
}

void TaskMirrors::refresh(Slot& s, Task& t) {
  s.task = &t;
  kabi::TaskStruct& ts = *s.ts;
  ts.flags = t.flags;
  ts.on_cpu = t.state == TaskState::running ? 1 : 0;
  ts.nr_cpus_allowed = t.nr_cpus_allowed;
  // 128 bytes, which seldom change: copied again only when they did (a
  // program cannot write them: cpus_mask is not a writable field).
  if (s.affinity_changes != t.affinity_changes) copy_affinity(s, t);
  ts.se.sum_exec_runtime = t.acct.run_ns;
  ts.scx.flags = t.scx.flags;
  ts.scx.weight = t.scx.weight;
  ts.scx.slice = t.scx.slice;
  ts.scx.dsq_vtime = t.scx.dsq_vtime;
  ts.scx.disallow = t.scx.disallow;
  ts.scx.runnable_at = policy_clock(t.acct.runnable_since);
  s.seen = {ts.scx.slice, ts.scx.dsq_vtime, ts.scx.disallow};
}

void TaskMirrors::copy_affinity(Slot& s, const Task& t) {
  static_assert(sizeof(s.ts->cpus_mask.bits) == sizeof(u64) * kMaxCpus / 64);
  std::memcpy(s.ts->cpus_mask.bits, t.affinity.words().data(), sizeof s.ts->cpus_mask.bits);
  s.affinity_changes = t.affinity_changes;
}

// Only the fields the program changed since it was handed the mirror go
// back: in the kernel the program and the core share one task_struct, so a
// field the program did not write keeps what the core wrote meanwhile (a
// slice set by a dispatch flushed during the callback, a preemption's 0).
void TaskMirrors::write_back(Slot& s) {
  const kabi::TaskStruct& ts = *s.ts;
  Task& t = *s.task;
  if (ts.scx.slice != s.seen.slice) t.scx.slice = s.seen.slice = ts.scx.slice;
  if (ts.scx.dsq_vtime != s.seen.dsq_vtime) t.scx.dsq_vtime = s.seen.dsq_vtime = ts.scx.dsq_vtime;
  if (ts.scx.disallow != s.seen.disallow) t.scx.disallow = s.seen.disallow = ts.scx.disallow;
}

void TaskMirrors::sync_out(Task& t) {
  Slot* s = slot_of(t.id);
  if (s && s->task == &t) write_back(*s);
}

Task* TaskMirrors::task_of(u64 addr) const {
  // Newest first: a kfunc's task is usually the one just handed out.
  for (size_t i = n_touched_; i-- > 0;)
    if (reinterpret_cast<u64>(touched_[i]->ts) == addr) return touched_[i]->task;
  auto it = by_addr_.find(addr);
  return it == by_addr_.end() ? nullptr : it->second->task;
}

kabi::TaskStruct* TaskMirrors::find(TaskId id) const {
  Slot* s = slot_of(id);
  return s ? s->ts : nullptr;
}

void TaskMirrors::forget(const Task& t) {
  Slot* s = slot_of(t.id);
  if (!s) return;
  n_touched_ = static_cast<size_t>(std::remove(touched_.begin(), touched_.begin() + static_cast<long>(n_touched_), s) -
                                   touched_.begin());
  ++generation_;
  by_addr_.erase(reinterpret_cast<u64>(s->ts));
  by_id_[static_cast<size_t>(t.id)].reset();
}

void TaskMirrors::sync_out_touched() {
  for (size_t i = 0; i < n_touched_; ++i) write_back(*touched_[i]);
  if (n_touched_ > 0) ++generation_;
  n_touched_ = 0;
}

std::optional<std::pair<u64, u64>> TaskMirrors::handed_out(u64 addr, u64 size) const {
  for (size_t i = 0; i < n_touched_; ++i) {
    const Slot* s = touched_[i];
    const u64 b = reinterpret_cast<u64>(s->ts);
    constexpr u64 n = sizeof(kabi::TaskStruct);
    if (addr >= b && size <= n && addr - b <= n - size) return std::pair{b, b + n};
  }
  return std::nullopt;
}

}  // namespace ups::policy
