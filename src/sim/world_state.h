// The simulator's per-task, per-CPU and per-object state, shared by the
// files that implement World (world.cpp: the event loop and the behaviour
// interpreter; world_vm.cpp: virtual machines). Internal to sim/.
#pragma once

#include <algorithm>
#include <memory>
#include <vector>

#include "core/virt_channel.h"
#include "sim/world.h"

namespace ups::sim {

namespace world_detail {

constexpr u32 kNone = ~0u;
constexpr TimeNs kForever = ~TimeNs{0};  // a spin segment, or "no time"

enum class TStatus : u8 { created, runnable, sleeping, waiting, spinning, exited };

// A FIFO that grows by doubling and never shrinks (message stamps).
class StampQueue {
public:
  bool empty() const { return size_ == 0; }
  void push(TimeNs v) {
    if (size_ == buf_.size()) {
      std::vector<TimeNs> n(std::max<size_t>(8, buf_.size() * 2));
      for (size_t i = 0; i < size_; ++i) n[i] = buf_[(head_ + i) % buf_.size()];
      buf_.swap(n);
      head_ = 0;
    }
    buf_[(head_ + size_) % buf_.size()] = v;
    ++size_;
  }
  TimeNs pop() {
    TimeNs v = buf_[head_];
    head_ = (head_ + 1) % buf_.size();
    --size_;
    return v;
  }
private:
  std::vector<TimeNs> buf_;
  size_t head_ = 0, size_ = 0;
};

}  // namespace world_detail

using namespace world_detail;
using workload::SyncKind;
using workload::TaskCursor;

struct World::SimTask {
  Task* task = nullptr;   // null once exited (the core may free it)
  TaskCursor cur;
  TimeNs remaining = 0;   // of the current compute segment; kForever while spinning
  TimeNs stamp = kForever;    // request start; kForever = none
  TimeNs woke_at = kForever;  // pending wakeup-latency sample
  TimeNs run_ns = 0;
  TimeNs wake_lat_sum = 0;
  u32 wake_lat_max_us = 0;  // saturating
  u32 wakeups = 0;
  u32 group = 0;
  u32 next_waiter = kNone;
  u32 wake_gen = 0;
  // In a poll_recv: the channel and its burst distribution (period = +1);
  // polling_burst while it spins for one burst (remaining = burst left).
  bool poll_waiting = false, polling_burst = false;
  u32 poll_obj = 0, poll_dist = 0;
  u32 vcpu = kNone;       // host side: which vCPU of its VM this task is
  TaskId pid = 0;
  CpuId on_cpu = kNoCpu;
  CpuId last_cpu = kNoCpu;
  ClassId cls = 0;        // class when last switched in (share accounting)
  TStatus status = TStatus::created;
};

struct World::SimCpu {
  Task* curr = nullptr;
  u32 cur_idx = kNone;
  u32 seg_gen = 0;
  TimeNs seg_start = 0;   // progress begins here (after switch costs)
  TimeNs in_since = 0;    // current task switched in at
  TimeNs spin_since = kForever;
  TimeNs busy_since = 0;
  TimeNs busy_ns = 0;
  bool tick_pending = false;
  bool resched_pending = false;
  bool paused = false;     // guest side: its vCPU is not running on the host
};

struct World::SyncState {
  SyncKind kind = SyncKind::event;
  u64 tokens = 0;  // events
  StampQueue msgs;  // channels
  u32 head = kNone, tail = kNone;  // waiters (blocked or spinning), FIFO
};

struct World::TimerSlot {
  ClassId cls = 0;
  u64 id = 0;
  u32 gen = 0;
  bool armed = false;
};

// One VM of the host world: its guest world, the hint channel its guest
// and the host share, and its vCPU tasks on the host.
struct World::Vm {
  std::string name;
  std::unique_ptr<World> guest;
  VirtChannel channel;
  std::vector<u32> vcpu_task;          // host task index, by vCPU
  std::vector<CpuMask> pin;            // by vCPU (VmDecl::vcpu_pin)
  std::vector<TimeNs> runnable_since;  // by vCPU; kForever while running or halted
  u64 ple_exits = 0;
};

}  // namespace ups::sim
