// EventQueue: the simulator's pending events, a binary min-heap ordered by
// (time, sequence number). The sequence number is taken at push, so events
// at the same time run in the order they were scheduled: the tie-break is
// deterministic and independent of the heap's layout. Storage is one vector
// that grows to the high-water mark and is then reused: no allocation per
// event.
#pragma once

#include <vector>

#include "base/assert.h"
#include "base/types.h"

namespace ups::sim {

enum class EventKind : u8 {
  segment_end,  // target = cpu; the running task's compute segment ends
  tick,         // target = cpu; timer tick while busy
  resched,      // target = cpu; CoreHooks::resched_cpu
  wake,         // target = sim task index; sleep ended or start time reached
  arrival,      // target = arrival source index; open-loop request
  poll_burst,   // target = sim task index; a poll_recv waiter polls again
  timer,        // target = policy timer slot
  watchdog,     // periodic Core::check_watchdog
  scenario,     // target = scenario step index (class load/unload/replace)
  cgroup_move,  // target = Workload::cgroup_moves index
  // Virtual machines (world_vm.cpp). Host: target = the vCPU's task index.
  vcpu_kick,    // its guest CPU has work: wake the halted vCPU
  vcpu_idle,    // its guest CPU has nothing to run: the vCPU halts
  vcpu_exit,    // pause-loop exit: its guest spun for the PLE window
  ple,          // guest: target = cpu; the PLE window of a spin ended
};

struct Event {
  TimeNs at = 0;
  u64 seq = 0;
  u32 target = 0;
  u32 gen = 0;  // generation of the target when scheduled; stale if it moved on
  EventKind kind = EventKind::segment_end;
};

class EventQueue {
public:
  void reserve(size_t n) { heap_.reserve(n); }
  bool empty() const { return heap_.empty(); }
  size_t size() const { return heap_.size(); }
  const Event& top() const { return heap_.front(); }
  u64 pushed() const { return next_seq_; }

  void push(TimeNs at, EventKind kind, u32 target, u32 gen = 0) {
    heap_.push_back(Event{at, next_seq_++, target, gen, kind});
    sift_up(heap_.size() - 1);
  }

  Event pop() {
    UPS_ASSERT(!heap_.empty());
    Event top = heap_.front();
    heap_.front() = heap_.back();
    heap_.pop_back();
    if (!heap_.empty()) sift_down(0);
    return top;
  }

private:
  static bool before(const Event& a, const Event& b) {
    return a.at != b.at ? a.at < b.at : a.seq < b.seq;
  }
  void sift_up(size_t i) {
    Event e = heap_[i];
    while (i > 0) {
      size_t parent = (i - 1) / 2;
      if (!before(e, heap_[parent])) break;
      heap_[i] = heap_[parent];
      i = parent;
    }
    heap_[i] = e;
  }
  void sift_down(size_t i) {
    Event e = heap_[i];
    size_t n = heap_.size();
    for (;;) {
      size_t child = 2 * i + 1;
      if (child >= n) break;
      if (child + 1 < n && before(heap_[child + 1], heap_[child])) ++child;
      if (!before(heap_[child], e)) break;
      heap_[i] = heap_[child];
      i = child;
    }
    heap_[i] = e;
  }

  std::vector<Event> heap_;
  u64 next_seq_ = 0;
};

}  // namespace ups::sim
