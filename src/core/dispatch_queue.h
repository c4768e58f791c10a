// DispatchQueue: one sched_ext DSQ of one class (sched_ext-abi.md §3): a
// per-CPU local DSQ, the class's global DSQ, or a user DSQ. It holds tasks
// either in FIFO order (intrusive list) or in vtime order (intrusive heap),
// never both at once; which one is decided by what it holds now, as in the
// kernel. Each insert stamps the task with the DSQ's sequence number so
// that an iteration visits only the tasks that were there when it began.
#pragma once

#include "base/cpumask.h"
#include "core/task.h"
#include "core/task_heap.h"

namespace ups {

struct VtimeLess {
  bool operator()(const Task& a, const Task& b) const {
    if (a.scx.dsq_vtime != b.scx.dsq_vtime) return time_before(a.scx.dsq_vtime, b.scx.dsq_vtime);
    return a.dsq_seq < b.dsq_seq;
  }
};

class DispatchQueue {
public:
  DispatchQueue() = default;
  DispatchQueue(DsqId id, ClassId owner, CpuId local_cpu = kNoCpu)
      : id_(id), owner_(owner), local_cpu_(local_cpu) {}
  DispatchQueue(const DispatchQueue&) = delete;
  DispatchQueue& operator=(const DispatchQueue&) = delete;
  DispatchQueue(DispatchQueue&&) = default;
  DispatchQueue& operator=(DispatchQueue&&) = default;

  DsqId id() const { return id_; }
  ClassId owner() const { return owner_; }
  CpuId local_cpu() const { return local_cpu_; }  // kNoCpu unless a local DSQ
  u32 nr() const { return nr_; }
  bool empty() const { return nr_ == 0; }
  bool has_fifo() const { return head_ != nullptr; }
  bool has_vtime() const { return !heap_.empty(); }
  u64 seq() const { return seq_; }

  // FIFO insert at the tail, or at the head with `at_head`.
  void push_fifo(Task& p, bool at_head);
  // vtime-ordered insert by p.scx.dsq_vtime (ties: insertion order).
  void push_vtime(Task& p);
  void remove(Task& p);
  // p's dsq_vtime changed while queued.
  void vtime_changed(Task& p);
  // The task that runs first: FIFO head or lowest vtime.
  Task* first() const { return head_ ? head_ : heap_.top(); }
  // The first task (in queue order) allowed on cpu; nullptr if none.
  Task* first_allowed(CpuId cpu) const;

  // Iteration in queue order over tasks inserted before `seq_limit`.
  // `after` = the last task returned (nullptr: start); `rev` = reverse.
  Task* iter_next(const Task* after, u64 after_seq, u64 after_vtime, u64 seq_limit, bool rev) const;

  // For the invariant checker: walks every task.
  template <class F>
  void for_each(F&& f) const {
    for (Task* p = head_; p; p = p->dsq_next) f(*p);
    for (size_t i = 0; i < heap_.size(); ++i) f(*heap_.at(i));
  }

private:
  void link(Task& p);
  DsqId id_ = 0;
  ClassId owner_ = kNoClass;
  CpuId local_cpu_ = kNoCpu;
  u32 nr_ = 0;
  u64 seq_ = 0;
  Task* head_ = nullptr;
  Task* tail_ = nullptr;
  TaskHeap<VtimeLess> heap_;
};

}  // namespace ups
