// WorkloadTasks: a workload's task groups and arrival sources as fibers on a
// running Runtime (each task executing its behaviour program: compute as
// calibrated busy work, sleeps as real timers, events, channels and locks as
// the runtime's Event and Mutex). `upsched run` (workload_run.cpp) spawns one
// into a runtime of its own; upschedd spawns clients' submitted workloads
// into its long-running one, each task owned by the submitting uid and
// attached to a class the daemon names.
//
// The object must outlive every fiber it spawned: finished() tells when the
// last one has returned.
#pragma once

#include <atomic>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

#include "base/result.h"
#include "base/rng.h"
#include "report/histogram.h"
#include "report/metrics.h"
#include "runtime/busy_work.h"
#include "runtime/runtime.h"
#include "runtime/sync.h"
#include "workload/workload.h"

namespace ups::runtime {


struct WorkloadTaskOptions {
  u64 seed = 1;
  // Every task's owner instead of its group's (the daemon: the submitter).
  std::optional<Principal> owner;
  // Attach every task to this class once spawned (kNoClass: its group's
  // class, as TaskAttrs::cls resolves it).
  ClassId cls = kNoClass;
};

class WorkloadTasks {
public:
  WorkloadTasks(const workload::Workload& w, WorkloadTaskOptions opts, const Calibration& cal, Runtime& rt);
  ~WorkloadTasks();

  // The workload's [[cgroups]] in rt's core: before the policies load, as
  // the simulator makes them, so that a class's cgroup_init sees them all.
  static Status create_cgroups(const workload::Workload& w, Runtime& rt);

  // The groups' initial tasks (each in its group's cgroup), then one fiber
  // per arrival source and one for the [[cgroup_moves]].
  Status spawn_all();
  Status spawn_task(u32 group);
  // Tasks end at their next step (their waits are woken, the locks they
  // hold released); arrival sources stop. Thread-safe.
  void cancel();

  // Requests and groups (a group's share: the compute it got done).
  void fill(report::RunReport& r);
  u64 helpers() const { return helpers_; }
  u64 tasks_spawned() const { return spawned_.load(); }
  // Tasks whose program ran to its end (or was cancelled).
  u64 tasks_finished() const { return tasks_done_.load(); }
  // Every fiber spawned (tasks and arrival sources) has returned.
  bool finished() const { return fibers_done_.load() == spawned_.load() + helpers_; }
  std::vector<TaskId> task_ids() const;

private:
  struct Obj;
  void task(u32 g, u64 seed);
  void poll_recv(Event& ev, const workload::Program& prog, u32 dists, Rng& rng);
  void give(Obj& o, TimeNs stamp);
  void record(TimeNs lat);
  void arrivals(u32 i);
  // Makes the timed [[cgroup_moves]]; ends early once every task is done.
  void cgroup_moves();
  bool all_tasks_done() const { return tasks_done_.load() == spawned_.load(); }
  Status spawn_helper(const char* name, std::function<void()> body);

  const workload::Workload& w_;
  WorkloadTaskOptions opts_;
  Calibration cal_;
  Runtime& rt_;
  std::vector<std::unique_ptr<Obj>> objs_;
  std::vector<std::atomic<TimeNs>> group_work_;  // compute done, ns
  std::vector<std::atomic<u32>> group_tasks_;
  std::atomic<u64> next_seed_{0};
  std::atomic<u64> spawned_{0}, tasks_done_{0}, fibers_done_{0};
  std::atomic<bool> cancelled_{false};
  u64 helpers_ = 0;
  Mutex stats_mu_;
  report::LatencyHistogram requests_;
  mutable std::mutex ids_mu_;
  std::vector<TaskId> ids_;
  std::vector<u32> id_group_;               // ids_[i]'s group
  std::vector<std::string> group_cgroup_;  // where each group's new tasks start
  Event task_ended_;  // a task ended or cancel(): the cgroup mover looks again
};

}  // namespace ups::runtime
