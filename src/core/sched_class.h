// SchedClass: the internal seam between the core and a scheduling class,
// after the kernel's struct sched_class. core.cpp walks the chain calling
// these; FairClass (fair_class.h) and ExtClass (ext_class.h, which hosts one
// SchedOps policy) implement them. The idle class is the end of the chain:
// a CPU for which no class has a task runs nothing (schedule() returns
// nullptr), so it needs no object.
//
// Callers and state: every method is called by core.cpp from inside a
// public Core entry point (Core::Impl::now is current). `p` always belongs
// to this class (p.cls == id()).
#pragma once

#include <string>
#include <string_view>

#include "base/types.h"
#include "core/task.h"

namespace ups {

struct CpuRq;

// Core-internal enqueue flags, above the bits a policy may see.
inline constexpr u64 kEnqPlace = 1ULL << 60;       // joins the class (new or moved): place anew
inline constexpr u64 kEnqInternalMask = 1ULL << 60;

class SchedClass {
public:
  explicit SchedClass(ClassId id) : id_(id) {}
  virtual ~SchedClass() = default;
  ClassId id() const { return id_; }
  int rank() const { return rank_; }
  void set_rank(int r) { rank_ = r; }
  TimeNs runtime() const { return runtime_; }
  // Times one of its tasks was switched in (the daemon's `stats`).
  u64 dispatches() const { return dispatches_; }
  void count_dispatch() { ++dispatches_; }
  virtual std::string_view name() const = 0;
  virtual bool is_ext() const { return false; }

  // Whether the pick loop may consult this class on cpu now (grant,
  // bandwidth throttling, a pending ejection).
  virtual bool may_run_on(CpuId cpu) const = 0;

  // --- membership (attach_task, replace, unload, create/exit) --------------
  // p joins / leaves the class; it is not queued in any class meanwhile.
  virtual void enable_task(Task& p) {}
  virtual void disable_task(Task& p, bool exiting) {}

  // --- runnable tasks --------------------------------------------------------
  // p wakes (wake_up): the CPU whose run queue it joins.
  virtual CpuId select_task_rq(Task& p, CpuId prev_cpu, u64 wake_flags) = 0;
  // p becomes runnable in this class (wakeup, joining while runnable,
  // affinity change); target from select_task_rq or the core.
  virtual void enqueue_task(Task& p, CpuId target, u64 enq_flags) = 0;
  // p (queued or in custody, not running) leaves the run queue.
  virtual void dequeue_task(Task& p, u64 deq_flags) = 0;

  // --- CPUs -------------------------------------------------------------------
  // The task cpu should run; prev = the CPU's current task when it is of this
  // class and still runnable (returning it keeps it running).
  virtual Task* pick_task(CpuRq& rq, Task* prev) = 0;
  // prev (runnable) stops running on rq because next_rank's class won.
  virtual void put_prev_task(CpuRq& rq, Task& p, int next_rank) = 0;
  // p (returned by pick_task, not prev) starts running on rq.
  virtual void set_next_task(CpuRq& rq, Task& p) = 0;
  // The running p stops being runnable (block, exit) or leaves the class.
  virtual void leave_running(CpuRq& rq, Task& p, u64 deq_flags) = 0;
  // p, already running on rq, joined this class.
  virtual void enter_running(CpuRq& rq, Task& p) = 0;
  // Runtime accounting of the running p (delta ns since the last update).
  virtual void update_curr(CpuRq& rq, Task& p, TimeNs delta) { runtime_ += delta; }
  virtual void task_tick(CpuRq& rq, Task& p) = 0;
  // What is left of the running p's slice (0: used up; kNoSliceEnd: none),
  // as of its last update_curr. A substrate with timers arms one for it.
  virtual TimeNs slice_left(const Task& p) const { return kNoSliceEnd; }
  // task_tick's slice check alone, without the class's tick op (a policy's
  // ops.tick keeps its tick_ns rate when slices are timed precisely).
  virtual void slice_check(CpuRq& rq, Task& p) {}
  // p woke with rq (running a task of this class) as its target.
  virtual void check_preempt_curr(CpuRq& rq, Task& p) {}
  virtual void yield_task(CpuRq& rq, Task& p) {}
  virtual void set_weight(Task& p, u32 weight) {}
  virtual void set_cpumask(Task& p, const CpuMask& mask) {}
  // cpu entered or left idle (the whole machine's view).
  virtual void cpu_idle_changed(CpuId cpu, bool idle) {}

protected:
  TimeNs runtime_ = 0;
  u64 dispatches_ = 0;

private:
  ClassId id_;
  int rank_ = 0;
};

}  // namespace ups
