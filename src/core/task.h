// Task: one schedulable entity as the core sees it. The fields a policy can
// read or write through `struct task_struct` live here (pid, weight,
// affinity, the `scx` entity); the policy host maps BTF field offsets onto
// them. Everything else (where the task is, accounting) belongs to the core.
#pragma once

#include <array>

#include "base/cpumask.h"
#include "base/types.h"

namespace ups {

using ClassId = u16;
inline constexpr ClassId kNoClass = 0xffff;
// A slice that never ends (SchedClass::slice_left, Core::slice_end).
inline constexpr TimeNs kNoSliceEnd = ~TimeNs{0};

class DispatchQueue;
struct Cgroup;

// Where a live task is. Exactly one holds at any time (the invariant checker
// verifies it after every event).
enum class TaskState : u8 {
  created,  // exists, not yet runnable (init_task done, never woken)
  running,  // current on exactly one CPU
  queued,   // on exactly one DSQ or fair run queue
  custody,  // runnable, held by a policy after enqueue (ops_state QUEUED)
  blocked,  // sleeping or waiting for an event
  exited,
};
const char* task_state_name(TaskState s);

// The ownership state of sched_ext (sched_ext-abi.md §5): a task handed to a
// policy carries the sequence number of that enqueue; a dispatch that quotes
// another number is stale and ignored.
enum class OpsState : u8 { none, queueing, queued, dispatching };

// What a task is waiting for (upsched_ FaaS extension, capability
// sched.events). `spinning` means the task is runnable but only polls.
enum class WaitKind : u8 { none, blocked, spinning };
struct WaitInfo {
  WaitKind kind = WaitKind::none;
  u64 event = 0;       // substrate's event id, 0 = none
  bool fired = false;  // event signalled since the wait began
  TimeNs since = 0;
};

// Locks the core manages (upsched_ lock-holder extension, capability
// sched.locks; core/locks.cpp keeps these).
struct LockInfo {
  u64 waiting_for = 0;  // the lock this task is queued for, 0 = none
  u32 held = 0;         // locks it holds
  u32 waiters = 0;      // tasks queued for the locks it holds
};

struct TaskAccounting {
  TimeNs run_ns = 0;        // on a CPU
  TimeNs wait_ns = 0;       // runnable but not on a CPU
  TimeNs spin_ns = 0;       // on a CPU while WaitKind::spinning (wasted)
  u64 wakeups = 0;
  u64 migrations = 0;
  u64 switches = 0;         // times switched in
  TimeNs runnable_since = 0;  // valid while runnable and not running
  TimeNs exec_start = 0;      // valid while running
  TimeNs wakeup_latency_sum = 0;
  TimeNs wakeup_latency_max = 0;
  bool wakeup_pending = false;  // woken, not yet run (wakeup latency sample due)
};

// The `p->scx` part of task_struct (sched_ext_entity), as a policy sees it.
struct ScxEntity {
  u64 slice = 0;       // ns left; writable by policies
  u64 dsq_vtime = 0;   // writable by policies
  u32 flags = 0;       // scx::TASK_*
  u32 weight = 100;    // [1..10000], nice 0 = 100
  bool disallow = false;
  // Ownership (core-private, not visible to policies).
  OpsState ops_state = OpsState::none;
  u64 ops_qseq = 0;
  DsqId dsq_id = 0;    // id of the DSQ it is queued on, if queued
};

// The fair class's per-task state (weighted virtual runtime).
struct FairEntity {
  u64 vruntime = 0;
  u64 deadline = 0;
  TimeNs slice_ns = 0;
  TimeNs sum_exec_at_pick = 0;
  bool on_rq = false;        // queued on a fair run queue
  CpuId rq_cpu = kNoCpu;     // its per-CPU queue (pinned tasks), kNoCpu = the shared one
};

struct Task {
  TaskId id = kNoTask;
  Principal owner;
  u32 weight = 100;
  CpuMask affinity;
  int nr_cpus_allowed = 0;
  u32 affinity_changes = 0;  // counts changes of `affinity` (copies of it need not compare)
  u32 flags = 0;  // PF_* flags a policy may read (p->flags)
  std::array<char, 16> comm{};

  TaskState state = TaskState::created;
  ClassId cls = kNoClass;  // class the task is attached to
  Cgroup* cgroup = nullptr;  // its cgroup (core/cgroup.h), never null once created
  CpuId cpu = kNoCpu;      // CPU it runs on, or last ran on
  CpuId wake_cpu = kNoCpu; // run queue it joined at its last wakeup (or re-queue of an ext task)

  ScxEntity scx;
  FairEntity fair;
  WaitInfo wait;
  LockInfo lock;
  TaskAccounting acct;

  // Intrusive DSQ membership, owned by DispatchQueue.
  DispatchQueue* dsq = nullptr;
  Task* dsq_prev = nullptr;
  Task* dsq_next = nullptr;
  u64 dsq_seq = 0;   // insertion sequence (iteration visits older only)
  u64 heap_index = 0;
  // Intrusive list of the tasks waiting for one event (core/events.cpp).
  Task* ev_prev = nullptr;
  Task* ev_next = nullptr;

  // Opaque slot for the substrate (the simulator's behaviour program).
  void* substrate_data = nullptr;

  bool is_runnable() const {
    return state == TaskState::running || state == TaskState::queued ||
           state == TaskState::custody;
  }
  bool is_live() const { return state != TaskState::exited; }
};

// Creation parameters, from a workload or a runtime spawn.
struct TaskSpec {
  TaskId id = kNoTask;  // kNoTask = allocate
  Principal owner;
  u32 weight = 100;
  CpuMask affinity;     // empty = all CPUs
  const char* comm = "";
  u32 flags = 0;
  u64 cgroup = 1;       // id of its cgroup (core/cgroup.h), the root by default
};

// Weight conversion as sched_ext does it (sched-ext-abi.md §8).
u32 nice_to_weight(int nice);

}  // namespace ups
