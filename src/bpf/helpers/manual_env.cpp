// ManualHelperEnv: ordered timer queue and explicit registries.
#include "bpf/helpers/manual_env.h"

#include <algorithm>

namespace ups::bpf {

std::optional<u64> ManualHelperEnv::task_key(u64 task) {
  auto it = tasks_.find(task);
  if (it == tasks_.end()) return std::nullopt;
  return it->second;
}

std::optional<u64> ManualHelperEnv::cgroup_key(u64 cgrp) {
  auto it = cgroups_.find(cgrp);
  if (it == cgroups_.end()) return std::nullopt;
  return it->second;
}

u64 ManualHelperEnv::task_of_key(u64 key) {
  for (const auto& [task, k] : tasks_)
    if (k == key) return task;
  return 0;
}

void ManualHelperEnv::arm_timer(u64 timer_id, u64 at_ns, int pin_cpu) {
  cancel_timer(timer_id);
  auto slot = std::make_pair(at_ns, seq_++);
  pending_[slot] = Armed{timer_id, pin_cpu};
  pending_by_id_[timer_id] = slot;
}

void ManualHelperEnv::cancel_timer(u64 timer_id) {
  auto it = pending_by_id_.find(timer_id);
  if (it == pending_by_id_.end()) return;
  pending_.erase(it->second);
  pending_by_id_.erase(it);
}

int ManualHelperEnv::advance_to(u64 t) {
  int fired = 0;
  while (!pending_.empty() && pending_.begin()->first.first <= t) {
    auto it = pending_.begin();
    u64 at = it->first.first;
    Armed a = it->second;
    pending_by_id_.erase(a.id);
    pending_.erase(it);
    if (at > now_) now_ = at;
    u32 saved_cpu = cpu_;
    if (a.pin_cpu >= 0) cpu_ = static_cast<u32>(a.pin_cpu);
    if (fire_timer(a.id)) ++fired;
    cpu_ = saved_cpu;
  }
  if (t > now_) now_ = t;
  return fired;
}

void ManualHelperEnv::add_readable(const void* p, std::size_t n) {
  u64 b = reinterpret_cast<u64>(p);
  readable_.emplace_back(b, b + n);
}

void ManualHelperEnv::add_readable(const MapSet& maps) {
  maps.for_each_region([this](void* p, std::size_t n, bool) { add_readable(p, n); });
}

std::size_t ManualHelperEnv::readable_bytes(u64 addr, std::size_t max) {
  for (const auto& [b, e] : readable_)
    if (addr >= b && addr < e) return std::min<std::size_t>(max, static_cast<std::size_t>(e - addr));
  return 0;
}

}  // namespace ups::bpf
