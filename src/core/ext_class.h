// ExtClass: a loaded sched_ext-style policy (SchedOps) hosted as one class
// of the chain. It owns the class's DSQs (a local DSQ per CPU, its own
// global DSQ, its own namespace of user DSQ ids), runs the pick loop of
// sched_ext-abi.md §4 (local -> global -> ops.dispatch() loop -> keep prev),
// keeps the ownership state of each task (§5: custody with a QSEQ, stale or
// duplicate dispatches ignored), tracks idle CPUs for select_cpu_dfl,
// enforces the bandwidth limit of a class above fair, and checks every
// ScxContext call: a bad one marks the class for ejection (the core ejects
// it when the current entry point returns, never inside a callback).
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/core_impl.h"
#include "core/dispatch_queue.h"
#include "core/scx_constants.h"
#include "core/scx_context.h"

namespace ups {

// The core's own timers; policies may not use ids from kFirstCoreTimerId
// up. One refills the bandwidth budget at the end of a period; one per CPU
// fires at the moment that CPU's budget runs out while the class runs there.
inline constexpr u64 kBandwidthTimerId = ~0ULL;
inline constexpr u64 kFirstBudgetTimerId = kBandwidthTimerId - kMaxCpus;
inline constexpr u64 kFirstCoreTimerId = kFirstBudgetTimerId;

class ExtClass final : public SchedClass {
public:
  ExtClass(Core::Impl& core, ClassId id, std::unique_ptr<SchedOps> ops, ClassGrant grant,
           ChainSlot slot);
  ~ExtClass() override;

  // --- SchedClass ------------------------------------------------------------
  std::string_view name() const override { return name_; }
  bool is_ext() const override { return true; }
  bool may_run_on(CpuId cpu) const override {
    return live() && cpus_.test(cpu) && !throttled_.test(cpu);
  }
  void enable_task(Task& p) override;
  void disable_task(Task& p, bool exiting) override;
  CpuId select_task_rq(Task& p, CpuId prev_cpu, u64 wake_flags) override;
  void enqueue_task(Task& p, CpuId target, u64 enq_flags) override;
  void dequeue_task(Task& p, u64 deq_flags) override;
  Task* pick_task(CpuRq& rq, Task* prev) override;
  void put_prev_task(CpuRq& rq, Task& p, int next_rank) override;
  void set_next_task(CpuRq& rq, Task& p) override;
  void leave_running(CpuRq& rq, Task& p, u64 deq_flags) override;
  void enter_running(CpuRq& rq, Task& p) override;
  void update_curr(CpuRq& rq, Task& p, TimeNs delta) override;
  void task_tick(CpuRq& rq, Task& p) override;
  TimeNs slice_left(const Task& p) const override;
  void slice_check(CpuRq& rq, Task& p) override;
  void yield_task(CpuRq& rq, Task& p) override;
  void set_weight(Task& p, u32 weight) override;
  void set_cpumask(Task& p, const CpuMask& mask) override;
  void cpu_idle_changed(CpuId cpu, bool idle) override;

  // --- lifecycle (core.cpp) ------------------------------------------------------
  // ops.init; false (with the report filled) if it failed.
  bool init(ExitReport* report);
  // init_task for a task about to join: 0 or -errno (also -EACCES when the
  // policy set p.scx.disallow or failed inside the callback).
  s32 init_task(Task& p);
  // --- cgroups (cgroup_ops.cpp; Linux's scx_cgroup_* and scx_tg_*) ---------
  // ops.cgroup_init for cg (once; init() runs it for every cgroup): 0 or
  // the policy's non-zero return (-EINVAL when the class fails inside).
  s32 cgroup_init(const Cgroup& cg);
  // ops.cgroup_exit for cg, if its cgroup_init ran.
  void cgroup_exit(const Cgroup& cg);
  s32 cgroup_prep_move(Task& p, const Cgroup& from, const Cgroup& to);
  void cgroup_move(Task& p, const Cgroup& from, const Cgroup& to);
  void cgroup_cancel_move(Task& p, const Cgroup& from, const Cgroup& to);
  void cgroup_set_weight(const Cgroup& cg, u32 weight);

  // Begin unloading: no more policy effects; then the core moves the tasks.
  void begin_exit() { dying_ = true; }
  // After the tasks left: cancel timers, ops.exit(report), drop the policy.
  void finish_exit(const ExitReport& report);
  bool live() const { return !dying_ && !failing_; }
  bool failing() const { return failing_; }
  const ExitReport& pending_report() const { return pending_; }
  ChainSlot slot() const { return slot_; }
  const ClassGrant& grant() const { return grant_; }
  const CpuMask& cpus() const { return cpus_; }
  TimeNs timeout_ns() const { return timeout_ns_; }
  TimeNs last_consulted() const { return last_consulted_; }
  void fire_timer(u64 timer_id);
  // Watchdog hook: the class may be blamed for waits (it was offered a CPU).
  bool was_offered_cpu(TimeNs now) const;

  // Marks the class for ejection (first failure wins; a later call may only
  // add the location the first one lacked).
  void fail(ExitKind kind, std::string message, std::string location = {}, s64 code = 0);

  // --- invariant checker --------------------------------------------------------
  template <class F>
  void for_each_dsq(F&& f) const {
    for (const auto& d : local_) f(d);
    f(global_);
    for (const auto& [id, d] : user_) f(*d);
  }

private:
  friend class ScxContext;

  // Op context: which callback runs, on which CPU, for which task.
  struct OpScope {
    OpScope(ExtClass& c, Op op, CpuId cpu, Task* task);
    ~OpScope();
    ExtClass& c;
    Op saved_op;
    CpuId saved_cpu;
    Task* saved_task;
  };
  struct DirectDispatch {
    Task* task = nullptr;
    DsqId dsq_id = scx::DSQ_INVALID;
    u64 enq_flags = 0;
    bool vtime = false;
  };
  struct DspEntry {
    Task* task;
    u64 qseq;
    DsqId dsq_id;
    u64 enq_flags;
    u64 slice;
    u64 vtime;
    bool has_vtime;
  };

  // --- mechanisms ---------------------------------------------------------------
  // The op runs for p's enqueue (ops.enqueue or the recorded direct dispatch).
  void do_enqueue(Task& p, CpuId target, u64 enq_flags);
  // Puts p on a DSQ. LOCAL means local_cpu's local DSQ. Falls back to the
  // global DSQ where the kernel does (task not allowed there, DSQ missing).
  void dispatch_enqueue(Task& p, DsqId dsq_id, CpuId local_cpu, u64 enq_flags, bool vtime);
  void custody(Task& p);
  // Linux 7.3's custody (SCX_TASK_IN_CUSTODY): a task the policy kept from
  // ops.enqueue, or put on a user DSQ, is the policy's until it reaches a
  // local or the global DSQ, or is dequeued; leaving calls ops.dequeue
  // (deq_flags 0 when it reaches a terminal DSQ). cpu: the callback's CPU.
  void leave_custody(Task& p, u64 deq_flags, CpuId cpu);
  Task* take(DispatchQueue& dsq, Task& p);
  // Flush the dispatch buffer of the current dispatch().
  void flush_dispatch(CpuId cpu);
  bool move_to_local(DsqId dsq_id, CpuId cpu);
  DispatchQueue* find_dsq(DsqId id, CpuId local_cpu);  // nullptr if unknown
  DispatchQueue* find_user_dsq(DsqId id);
  // Checks a DSQ id a task may be inserted into by kfunc `fn`; fails the
  // class (naming fn and the id) if it is not.
  bool check_insert_target(const char* fn, DsqId id, bool vtime);
  bool cpu_valid(CpuId cpu) const { return cpu >= 0 && cpu < core_.nr_cpus(); }
  CpuId fallback_cpu(const Task& p, CpuId prev) const;
  void account_bandwidth(CpuId cpu, TimeNs delta);
  // A task of this class starts running on cpu: arm cpu's budget timer.
  void arm_budget_timer(CpuId cpu);
  void unthrottle_all();
  std::string task_name(const Task& p) const;
  bool builtin_idle() const { return builtin_idle_; }
  CpuId select_cpu_dfl(Task& p, CpuId prev_cpu, u64 wake_flags, bool* is_idle);
  CpuId pick_idle(const CpuMask& allowed, u64 flags, CpuId from);

  Core::Impl& core_;
  std::unique_ptr<SchedOps> ops_;
  OpsConfig cfg_;
  std::string name_;
  ClassGrant grant_;
  ChainSlot slot_;
  CpuMask cpus_;
  ScxContext ctx_;
  TimeNs timeout_ns_;
  u32 max_batch_;
  bool builtin_idle_;
  bool full_grant_ = false;  // the class may use every CPU

  std::vector<DispatchQueue> local_;
  DispatchQueue global_;
  std::map<DsqId, std::unique_ptr<DispatchQueue>> user_;

  Op cur_op_ = Op::nr_ops;
  bool in_timer_ = false;  // a timer the policy armed is firing (reports say "timer")
  CpuId cur_cpu_ = kNoCpu;
  Task* cur_task_ = nullptr;
  DirectDispatch ddsp_;
  Task* selected_ = nullptr;  // select_cpu ran for this task's wakeup
  std::vector<DspEntry> dsp_buf_;
  u32 dsp_nr_ = 0;  // inserts and moves made by the current dispatch()
  u64 qseq_ = 0;

  CpuMask idle_;  // built-in idle tracking (within cpus_)

  // Bandwidth (above fair): runtime used per CPU in the current period.
  std::vector<TimeNs> bw_used_;
  std::vector<u64> bw_period_;
  CpuMask throttled_;
  CpuMask budget_timer_armed_;
  bool bw_timer_armed_ = false;

  struct ArmedTimer {
    u64 id;
    CpuId pin_cpu;  // kNoCpu: runs on the class's first CPU
  };
  std::vector<ArmedTimer> timers_;  // armed policy timers
  std::vector<ArmedTimer>::iterator find_timer(u64 timer_id);
  TimeNs last_consulted_ = 0;

  std::vector<const Cgroup*> cgroups_inited_;  // cgroup_init ran, in that order

  bool dying_ = false;
  bool failing_ = false;
  ExitReport pending_;
};

}  // namespace ups
