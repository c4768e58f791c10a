// Core: the scheduling mechanisms of one machine. Tasks, CPUs, the chain of
// classes (loaded ext classes above and below fair, idle last), dispatch
// queues, ownership, the watchdog and ejection. A substrate (sim/, later
// runtime/) drives it: it reports wakeups, blocks, exits and ticks, asks for
// the next task of a CPU, and performs the effects the core requests through
// CoreHooks. The core reads no clock and makes no OS call: `now` is handed
// in with every call.
//
// Threading contract (docs/architecture.md says why):
// - One caller at a time. The core holds no lock of its own; every member
//   function, const ones included, must be called by one thread at a time,
//   and Task objects it hands out are read or changed only under the same
//   exclusion. The simulator is single-threaded; a multi-threaded substrate
//   (the M:N runtime) takes ONE lock, the core lock, around each call,
//   across all of its workers, and keeps holding it while it reads a Task.
// - `now` never goes back between calls (the caller's clock is monotonic).
// - Entry points nest only inside the core: a policy's callbacks reach the
//   core through ScxContext (kfuncs), never through these entry points.
// - Hooks must not re-enter. CoreHooks are called with the core in the
//   middle of an entry point (and, in the runtime, the core lock held): a
//   hook records the request (push an event, wake a worker, arm a timer)
//   and returns; the substrate acts on it after the entry point returns.
//   A hook may read (current(), find_task()) but never calls a member that
//   changes state: that is asserted (UPS_ASSERT) at every entry point. A
//   hook must not block, and must not take a lock that a thread holds
//   while it waits for the core lock.
// - Preconditions are asserted at the entry points: CPU ids in range, the
//   CPU's current task where one is required, tasks that belong to this
//   core (UPS_DASSERT where the check costs a lookup on a hot path).
#pragma once

#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "base/assert.h"
#include "base/cpumask.h"
#include "base/result.h"
#include "base/types.h"
#include "core/cgroup.h"
#include "core/exit_report.h"
#include "core/printk_line.h"
#include "core/sched_ops.h"
#include "core/task.h"
#include "core/topology.h"
#include "core/virt_channel.h"

namespace ups {

// Effects only the substrate can perform.
class SchedClass;
struct CpuRq;

class CoreHooks {
public:
  virtual ~CoreHooks() = default;
  // cpu should call Core::schedule() soon: an idle CPU has work, or the
  // running task must be preempted (kick, wakeup preemption, slice end).
  virtual void resched_cpu(CpuId cpu) = 0;
  // A policy timer (ScxContext::arm_timer); call Core::fire_timer at `at`.
  virtual void arm_timer(ClassId cls, u64 timer_id, TimeNs at) = 0;
  virtual void cancel_timer(ClassId cls, u64 timer_id) = 0;
  // A CPU switched tasks (trace output). next == nullptr: idle.
  virtual void on_switch(CpuId /*cpu*/, const Task* /*prev*/, const Task* /*next*/,
                         TimeNs /*now*/) {}
  // A class left the chain.
  virtual void on_exit_report(const ExitReport&) {}
  // A class printed a line (ScxContext::printk).
  virtual void on_printk(const PrintkLine&) {}
};

enum class ChainSlot : u8 { above_fair, below_fair };

// What the admission step granted a class (security/ computes it).
struct ClassGrant {
  Principal owner;
  CpuMask cpus;               // empty = all CPUs
  bool all_tasks = false;     // may manage other users' tasks (sched.all_tasks)
  bool may_kick = true;       // sched.kick (also checked by the verifier)
  // Bandwidth limit for classes above fair: at most runtime per period.
  TimeNs bw_runtime_ns = 950 * kNsPerMs;
  TimeNs bw_period_ns = 1000 * kNsPerMs;
  u32 max_dsqs = 1024;
};

// A class ready to load: its callbacks, what admission granted it and its
// place in the chain (Core::load_class's arguments). A policy loader makes
// one; the class host loads it.
struct LoadableClass {
  std::unique_ptr<SchedOps> ops;
  ClassGrant grant;
  ChainSlot slot = ChainSlot::below_fair;
};

struct FairParams {
  TimeNs base_slice_ns = 3 * kNsPerMs;      // EEVDF base slice
  TimeNs min_granularity_ns = 750 * kNsPerUs;
  TimeNs wakeup_granularity_ns = 1 * kNsPerMs;
};

struct CoreConfig {
  FairParams fair;
  TimeNs tick_ns = 4 * kNsPerMs;          // 1/HZ, for slice accounting
  bool check_invariants = UPS_DEBUG_CHECKS_ON;  // after every event
};

struct CoreStats {
  u64 context_switches = 0;
  u64 migrations = 0;
  u64 stale_dispatches_ignored = 0;
  u64 ejections = 0;
  // Per CPU: tasks that a policy's dispatch() running on that CPU put on
  // a local DSQ (an insert into SCX_DSQ_LOCAL or SCX_DSQ_LOCAL_ON | cpu,
  // or scx_bpf_dsq_move_to_local): where the scheduling decisions were
  // made (scx_central makes them all on its central CPU).
  std::vector<u64> dispatch_placements;
};

class Core {
public:
  Core(Topology topo, CoreConfig cfg, CoreHooks& hooks);
  ~Core();
  Core(const Core&) = delete;
  Core& operator=(const Core&) = delete;

  const Topology& topology() const;
  const CoreConfig& config() const;

  // --- tasks (substrate) -----------------------------------------------------
  // A new task in the fair class, state created. Fails on a bad spec.
  Result<Task*> create_task(const TaskSpec& spec, TimeNs now);
  Task* find_task(TaskId id);
  // created or blocked -> runnable (through the task's class).
  void wake_up(Task& p, u64 wake_flags, TimeNs now);
  // The running task on cpu blocks (sleep, event wait) or exits; the CPU
  // has no current task until the substrate calls schedule(cpu) (no
  // resched_cpu hook is made for these three: the caller schedules).
  void block_current(CpuId cpu, TimeNs now);
  void exit_current(CpuId cpu, TimeNs now);
  void yield_current(CpuId cpu, TimeNs now);
  void set_weight(Task& p, u32 weight, TimeNs now);
  Status set_affinity(Task& p, const CpuMask& mask, TimeNs now);

  // --- CPUs (substrate) ----------------------------------------------------------
  // Timer tick on cpu: accounting, slice, class tick, bandwidth.
  void tick(CpuId cpu, TimeNs now);
  // When the current task's slice on cpu ends (kNoSliceEnd: no current
  // task, or a slice without end), for a substrate that times slices
  // precisely instead of at ticks.
  TimeNs slice_end(CpuId cpu) const;
  // The tick's slice accounting and check alone (no class tick op): asks
  // for a resched if the current task's slice is over.
  void check_slice(CpuId cpu, TimeNs now);
  // The CPU's next task (maybe the current one); nullptr = idle.
  Task* schedule(CpuId cpu, TimeNs now);
  Task* current(CpuId cpu) const;
  bool need_resched(CpuId cpu) const;
  // Periodic watchdog check (the substrate calls it every half timeout).
  void check_watchdog(TimeNs now);
  TimeNs watchdog_interval() const;
  void fire_timer(ClassId cls, u64 timer_id, TimeNs now);

  // --- cgroups (core/cgroup.h) -------------------------------------------------
  // Each change calls the loaded ext classes' cgroup callbacks (sched_ops.h).
  // A new cgroup under an existing parent: refused for a bad path or weight,
  // or when a loaded class's cgroup_init fails (naming the class).
  Result<CgroupId> create_cgroup(std::string_view path, u32 weight, TimeNs now);
  // An empty cgroup without children goes (cgroup_exit first).
  Status remove_cgroup(std::string_view path, TimeNs now);
  Status set_cgroup_weight(std::string_view path, u32 weight, TimeNs now);
  // p joins cgroup `to`; the class of p (if an ext class) may refuse it in
  // cgroup_prep_move (then cgroup_cancel_move, and p stays).
  Status move_task_cgroup(Task& p, CgroupId to, TimeNs now);
  // Several tasks at once (a process's threads, cgroup.procs): each task of
  // an ext class prepared first; when one refuses, those prepared get
  // cgroup_cancel_move and none moves.
  Status move_tasks_cgroup(std::span<Task* const> tasks, CgroupId to, TimeNs now);
  const Cgroup* find_cgroup(CgroupId id) const;
  const Cgroup* find_cgroup(std::string_view path) const;
  std::vector<const Cgroup*> cgroups() const;  // parents first

  // --- events (upsched_ FaaS extension) ---------------------------------------
  void set_task_wait(Task& p, WaitKind kind, u64 event, TimeNs now);
  void signal_event(u64 event, TimeNs now);
  bool event_fired(u64 event) const;

  // --- locks (upsched_ lock-holder extension) ---------------------------------
  // Locks are the substrate's (any non-zero id); the core records who holds
  // each and who waits, FIFO, for policies holding sched.locks. p (running)
  // takes `lock`: true if it was free; false: p is queued behind the holder
  // and the substrate blocks it. Refused if p already holds or waits for it.
  Result<bool> lock_acquire(Task& p, u64 lock, TimeNs now);
  // p releases `lock`. The first waiter, if any, holds it now and is
  // returned for the substrate to wake. Refused if p does not hold it. A
  // task must release its locks before it exits.
  Result<Task*> lock_release(Task& p, u64 lock, TimeNs now);
  // The task holding the lock p waits for, or null.
  Task* lock_holder_for(const Task& p) const;

  // --- guest/host hints (upsched_ virt extension, docs/guest-host.md) ----------
  // This core is a VM's guest: its CPUs are the vCPUs of `ch`'s VM.
  void set_guest_channel(VirtChannel* ch);
  VirtChannel* guest_channel() const;
  // Host side: p is a vCPU task (ref.channel null: no longer one).
  void set_vcpu(const Task& p, VcpuRef ref);
  VcpuRef vcpu_of(const Task& p) const;  // channel null if p is no vCPU

  // --- the chain -------------------------------------------------------------
  Result<ClassId> load_class(std::unique_ptr<SchedOps> ops, ClassGrant grant,
                             ChainSlot slot, TimeNs now);
  // Unload (kind unreg) or eject: tasks move to fair; an ExitReport is made.
  void unload_class(ClassId cls, ExitKind kind, std::string message, TimeNs now);
  // Replace cls by a new policy in the same slot; its tasks move over.
  Result<ClassId> replace_class(ClassId cls, std::unique_ptr<SchedOps> ops, TimeNs now);
  // Move p into cls; who must own p or hold all_tasks. init_task may refuse.
  Status attach_task(Task& p, ClassId cls, TimeNs now);
  ClassId fair_class() const;
  ClassId find_class(std::string_view name) const;
  std::vector<ClassId> chain() const;  // in pick order, loaded classes and fair
  std::string_view class_name(ClassId cls) const;
  bool class_loaded(ClassId cls) const;
  TimeNs class_runtime(ClassId cls) const;  // CPU time consumed by its tasks
  u64 class_dispatches(ClassId cls) const;  // times one of its tasks was switched in
  const std::vector<ExitReport>& exit_reports() const;

  // --- checks and stats -------------------------------------------------------
  // Each live task in exactly one place; returns false with *why filled.
  bool check_invariants(std::string* why) const;
  const CoreStats& stats() const;
  size_t nr_live_tasks() const;
  void for_each_task(const std::function<void(const Task&)>& f) const;

  struct Impl;
private:
  // The running task's time charged, then its class's check (tick, slice).
  void charge_and_check(CpuId cpu, TimeNs now, void (SchedClass::*check)(CpuRq&, Task&));
  std::unique_ptr<Impl> impl_;
  friend class ScxContext;
  friend class ExtClass;
};

}  // namespace ups
