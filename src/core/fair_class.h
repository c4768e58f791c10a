// FairClass: the built-in weighted-virtual-runtime class (CFS-like). Every
// task starts here and returns here when its class leaves the chain.
//
// Run queues: one shared min-vruntime heap for tasks that may run on every
// CPU, plus one heap per CPU for tasks with a narrower affinity, so that the
// CPUs share one fair order (weights hold across CPUs) without any per-event
// scan. vruntime advances by delta * 100 / weight (weight 100 = nice 0).
// A waking task is placed at no less than min_vruntime - base_slice (sleeper
// credit) and preempts the current fair task when it is ahead by more than
// wakeup_granularity scaled by its weight. A task runs at least
// max(base_slice, min_granularity) before a tick switches to a task with a
// smaller vruntime.
#pragma once

#include <vector>

#include "core/core_impl.h"
#include "core/task_heap.h"

namespace ups {

struct FairLess {
  bool operator()(const Task& a, const Task& b) const {
    if (a.fair.vruntime != b.fair.vruntime) return time_before(a.fair.vruntime, b.fair.vruntime);
    return a.id < b.id;
  }
};

class FairClass final : public SchedClass {
public:
  FairClass(Core::Impl& core, ClassId id);
  std::string_view name() const override { return "fair"; }
  bool may_run_on(CpuId) const override { return true; }

  CpuId select_task_rq(Task& p, CpuId prev_cpu, u64 wake_flags) override;
  void enqueue_task(Task& p, CpuId target, u64 enq_flags) override;
  void dequeue_task(Task& p, u64 deq_flags) override;
  Task* pick_task(CpuRq& rq, Task* prev) override;
  void put_prev_task(CpuRq& rq, Task& p, int next_rank) override;
  void set_next_task(CpuRq& rq, Task& p) override;
  void leave_running(CpuRq& rq, Task& p, u64 deq_flags) override {}
  void enter_running(CpuRq& rq, Task& p) override;
  void update_curr(CpuRq& rq, Task& p, TimeNs delta) override;
  void task_tick(CpuRq& rq, Task& p) override;
  TimeNs slice_left(const Task& p) const override;
  void slice_check(CpuRq& rq, Task& p) override;
  void check_preempt_curr(CpuRq& rq, Task& p) override;
  void yield_task(CpuRq& rq, Task& p) override;

  size_t nr_queued() const;
  u64 min_vruntime() const { return min_vruntime_; }
  template <class F>
  void for_each_queued(F&& f) const {
    for (size_t i = 0; i < shared_.size(); ++i) f(*shared_.at(i));
    for (const auto& h : pinned_)
      for (size_t i = 0; i < h.size(); ++i) f(*h.at(i));
  }

private:
  using Heap = TaskHeap<FairLess>;
  bool shares_all(const Task& p) const;
  void push(Task& p, CpuId target);
  // Best queued task for cpu (not removed); nullptr if none.
  Task* best_for(CpuId cpu) const;
  TimeNs slice() const;

  Core::Impl& core_;
  Heap shared_;
  std::vector<Heap> pinned_;
  CpuMask pinned_nonempty_;
  u64 min_vruntime_ = 0;
};

}  // namespace ups
