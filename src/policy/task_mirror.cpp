#include "policy/task_mirror.h"

#include <algorithm>
#include <cstring>

namespace ups::policy {

kabi::TaskStruct* TaskMirrors::sync_in(Task& t) {
  auto& slot = by_id_[t.id];
  if (!slot) {
    slot = std::make_unique<Slot>();
    by_addr_[reinterpret_cast<u64>(&slot->ts)] = slot.get();
    kabi::TaskStruct& ts = slot->ts;
    ts.pid = static_cast<s32>(t.id);
    ts.tgid = static_cast<s32>(t.id);
    std::memcpy(ts.comm, t.comm.data(), sizeof ts.comm);
    ts.comm[sizeof ts.comm - 1] = 0;
    ts.cpus_ptr = reinterpret_cast<u64>(&ts.cpus_mask);
    ts.static_prio = ts.normal_prio = ts.prio = 120;
  }
  slot->task = &t;
  kabi::TaskStruct& ts = slot->ts;
  ts.flags = t.flags;
  ts.on_cpu = t.state == TaskState::running ? 1 : 0;
  ts.nr_cpus_allowed = t.nr_cpus_allowed;
  static_assert(sizeof(ts.cpus_mask.bits) == sizeof(u64) * kMaxCpus / 64);
  std::memcpy(ts.cpus_mask.bits, t.affinity.words().data(), sizeof ts.cpus_mask.bits);
  ts.se.sum_exec_runtime = t.acct.run_ns;
  ts.scx.flags = t.scx.flags;
  ts.scx.weight = t.scx.weight;
  ts.scx.slice = t.scx.slice;
  ts.scx.dsq_vtime = t.scx.dsq_vtime;
  ts.scx.disallow = t.scx.disallow;
  ts.scx.runnable_at = t.acct.runnable_since;
  slot->seen = {ts.scx.slice, ts.scx.dsq_vtime, ts.scx.disallow};
  return &ts;
}

// Only the fields the program changed since it was handed the mirror go
// back: in the kernel the program and the core share one task_struct, so a
// field the program did not write keeps what the core wrote meanwhile (a
// slice set by a dispatch flushed during the callback, a preemption's 0).
void TaskMirrors::sync_out(Task& t) {
  auto it = by_id_.find(t.id);
  if (it == by_id_.end() || it->second->task != &t) return;
  Slot& slot = *it->second;
  const kabi::TaskStruct& ts = slot.ts;
  if (ts.scx.slice != slot.seen.slice) t.scx.slice = slot.seen.slice = ts.scx.slice;
  if (ts.scx.dsq_vtime != slot.seen.dsq_vtime) t.scx.dsq_vtime = slot.seen.dsq_vtime = ts.scx.dsq_vtime;
  if (ts.scx.disallow != slot.seen.disallow) t.scx.disallow = slot.seen.disallow = ts.scx.disallow;
}

Task* TaskMirrors::task_of(u64 addr) const {
  auto it = by_addr_.find(addr);
  return it == by_addr_.end() ? nullptr : it->second->task;
}

kabi::TaskStruct* TaskMirrors::find(TaskId id) const {
  auto it = by_id_.find(id);
  return it == by_id_.end() ? nullptr : &it->second->ts;
}

void TaskMirrors::forget(const Task& t) {
  drop_touched(t);
  auto it = by_id_.find(t.id);
  if (it == by_id_.end()) return;
  by_addr_.erase(reinterpret_cast<u64>(&it->second->ts));
  by_id_.erase(it);
}

void TaskMirrors::sync_out_touched() {
  for (Task* t : touched_) sync_out(*t);
  touched_.clear();
}

void TaskMirrors::drop_touched(const Task& t) {
  touched_.erase(std::remove(touched_.begin(), touched_.end(), &t), touched_.end());
}

}  // namespace ups::policy
