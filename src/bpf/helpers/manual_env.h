// ManualHelperEnv: a complete, deterministic HelperEnv driven by hand: the
// clock moves only when told (advance_to fires due timers in time order,
// ties in arming order), the PRNG is ups::Rng with the given seed, trace
// lines are collected, tasks and readable memory are registered explicitly.
// For tools that run one program outside a simulation (`upsched bpf run`)
// and for tests of helpers and programs.
#pragma once

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "base/rng.h"
#include "bpf/helpers/helper_env.h"
#include "bpf/maps/map_set.h"

namespace ups::bpf {

class ManualHelperEnv final : public HelperEnv {
public:
  explicit ManualHelperEnv(u64 seed = 0, u32 nr_cpus = 1) : rng_(seed), nr_cpus_(nr_cpus) {}
  ~ManualHelperEnv() override = default;

  u64 now_ns() override { return now_; }
  u32 cpu() override { return cpu_; }
  u32 nr_cpus() override { return nr_cpus_; }
  u32 prandom_u32() override { return rng_.next_u32(); }
  void trace(std::string_view line) override { trace_.emplace_back(line); }
  std::optional<u64> task_key(u64 task) override;
  u64 task_of_key(u64 key) override;
  std::optional<u64> cgroup_key(u64 cgrp) override;
  void arm_timer(u64 timer_id, u64 at_ns, int pin_cpu) override;
  void cancel_timer(u64 timer_id) override;
  std::size_t readable_bytes(u64 addr, std::size_t max) override;

  void set_cpu(u32 cpu) { cpu_ = cpu; }
  // Moves the clock to t (never backwards), firing every timer due by then;
  // a timer fires with the clock at its own time and, if pinned, on its CPU.
  // Returns how many fired.
  int advance_to(u64 t);
  const std::vector<std::string>& trace_lines() const { return trace_; }
  void clear_trace() { trace_.clear(); }

  void add_task(u64 task, u64 key) { tasks_[task] = key; }
  void remove_task(u64 task) { tasks_.erase(task); }
  void add_cgroup(u64 cgrp, u64 id) { cgroups_[cgrp] = id; }
  void remove_cgroup(u64 cgrp) { cgroups_.erase(cgrp); }
  void add_readable(const void* p, std::size_t n);
  // Every region of the maps (string literals live in .rodata), so %s of a
  // map value or a constant string prints it.
  void add_readable(const MapSet& maps);

  std::size_t pending_timers() const { return pending_.size(); }
  // The time the next timer is due, or ~0 when none is armed.
  u64 next_timer_at() const { return pending_.empty() ? ~u64{0} : pending_.begin()->first.first; }

private:
  struct Armed {
    u64 id;
    int pin_cpu;
  };
  Rng rng_;
  u32 nr_cpus_;
  u64 now_ = 0;
  u32 cpu_ = 0;
  u64 seq_ = 0;
  std::vector<std::string> trace_;
  std::map<u64, u64> tasks_;                                // task pointer -> key
  std::map<u64, u64> cgroups_;                              // cgroup pointer -> id
  std::map<std::pair<u64, u64>, Armed> pending_;            // (at, seq) -> timer
  std::map<u64, std::pair<u64, u64>> pending_by_id_;        // id -> (at, seq)
  std::vector<std::pair<u64, u64>> readable_;               // [begin, end)
};

}  // namespace ups::bpf
