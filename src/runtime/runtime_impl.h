// The runtime's shared state, for its own files only (runtime.cpp: setup,
// hooks and the summary; worker.cpp: the scheduler loop; monitor.cpp: real
// time; preempt.cpp: the SIGURG path; sync.cpp: the fiber-side waits).
//
// Locking. One lock, `core_mu` (core_lock.h), is the core lock of core/core.h: every
// Core call, and every field below marked (L), is under it. The handoff
// rule that makes blocking race-free: a fiber that stops running (block,
// yield, exit) takes core_mu, tells the core, and switches to its worker's
// scheduler context still holding it; the scheduler calls Core::schedule
// and only then unlocks. So no other worker can pick a task (after a wake)
// before its context is saved. The scheduler never holds core_mu while a
// fiber runs. The one switch made without the lock is the preemption from
// the signal handler (the preempted task stays current in the core until
// the scheduler's schedule(), so no one else can pick it).
//
// A fiber sets `in_runtime` before it takes core_mu and clears it after it
// let go; the SIGURG handler switches a fiber out only while in_runtime is
// clear (and not inside libc, preempt.cpp), so a fiber is never preempted
// holding core_mu or a libc lock.
#pragma once

#include <pthread.h>

#include <atomic>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <queue>
#include <string>
#include <thread>
#include <vector>

#include "core/core.h"
#include "host/class_host.h"
#include "policy/user_space_half.h"
#include "report/histogram.h"
#include "runtime/core_lock.h"
#include "runtime/fiber.h"
#include "runtime/runtime.h"
#include "runtime/sync.h"

namespace ups::runtime {

// Why a fiber handed control back to its scheduler (Fiber::suspend's
// message). All but kPreempted arrive with core_mu held.
inline void* const kBlocked = reinterpret_cast<void*>(1);   // the core was told (block_current)
inline void* const kYielded = reinterpret_cast<void*>(2);   // leaving the runtime on a resched request
inline void* const kPreempted = reinterpret_cast<void*>(3); // from the SIGURG handler, no lock
inline void* const kYieldCall = reinterpret_cast<void*>(4); // yield(): the core was told (yield_current)
// Fiber::kFinished: the body returned after exit_current (lock held).

enum class WaitOn : u8 { none, sleep, mutex, condvar, event, fd };

struct Worker;
struct Impl;

struct FiberTask {
  Fiber* fiber = nullptr;
  Task* task = nullptr;       // (L) null once exited
  TaskId id = kNoTask;
  std::string name;
  std::string cls;            // TaskAttrs::cls, for class_loaded
  std::function<void()> fn;
  Impl* rt = nullptr;
  Worker* worker = nullptr;   // the worker running it (set before each resume)
  std::atomic<bool> in_runtime{true};  // see the file comment; a new fiber starts inside
  WaitOn wait = WaitOn::none;  // (L)
  u64 wait_gen = 0;            // (L) sleep timers of an older wait are ignored
  FiberTask* next_waiter = nullptr;  // (L) CondVar / Event FIFO
  Event* timed_event = nullptr;      // (L) the Event of a wait_until in progress
  bool timed_out = false;            // (L) that wait ended at its deadline
  bool spinning = false;             // (L) in an Event's FIFO through Event::spin
  // Set (under L) when signal() hands a spinning fiber its token; the
  // fiber's poll loop reads it without the lock.
  std::atomic<bool> spin_granted{false};
  std::vector<u64> held_locks;       // Mutex ids, released for it if it exits holding them
  u64 wakeups_seen = 0;              // (L) the task's acct.wakeups at its last switch in
  TimeNs wake_lat_seen = 0;          // (L) and its acct.wakeup_latency_sum
};

struct Worker {
  Impl* rt = nullptr;
  CpuId cpu = 0;
  int os_cpu = -1;
  std::thread thread;
  pthread_t handle{};
  clockid_t cpu_clock{};            // the thread's CPU-time clock (blocking detection)
  std::atomic<int> tid{0};          // its Linux thread id (/proc/self/task/TID/stat)
  int kick_fd = -1;                 // eventfd that wakes the idle worker
  int idle_epoll = -1;              // what the idle worker sleeps on: kick_fd and the fibers' fds
  std::atomic<bool> resched{false}; // the core asked for schedule() on this CPU
  // (L) `now` of the Core call made just before a fiber switched back with
  // the lock held (FiberSection), so schedule() reuses it: one clock read
  // per switch. 0: read the clock.
  TimeNs handoff_now = 0;
  // The slice timer (preempt.cpp): a POSIX timer that sends this thread
  // SIGURG when the running task's slice ends, so slices end on time
  // rather than at the monitor's next tick.
  timer_t slice_timer{};
  bool has_slice_timer = false;
  TimeNs timer_at = 0;               // (L) when it fires next (0: disarmed or fired)
  std::atomic<bool> timer_fired{false};  // set by its signal (this thread's handler)
  TimeNs slice_end = kNoSliceEnd;    // (L) the resumed task's, for the overrun figure
  long os_switches_seen = 0;         // (L) its thread's Linux context switches at the last overrun sample
  bool idle = false;                // (L) asleep on kick_fd (or about to be)
  FiberTask* running = nullptr;     // (L) the fiber it resumed, until it comes back
  std::atomic<FiberTask*> sig_target{nullptr};  // the same, for the signal handler
  u64 resumes = 0;                  // (L) counts resumes (progress)
  FiberTask* last = nullptr;        // (L) the fiber resumed before (switch count)
  bool exited = false;              // (L) the thread left its loop
  // Blocking detection (monitor, L): where the current check began.
  u64 check_resumes = ~u64{0};
  TimeNs check_wall = 0, check_cpu = 0;
  bool reported = false;
  // Repeated preemption signals (monitor, L): back-off state.
  u64 resend_resumes = ~u64{0};
  TimeNs resend_every = 1, resend_at = 0;  // in ticks; when the next may go
  std::atomic<u64> preemptions{0};
};

// How long the end of a run waits for a worker whose fiber sits in a
// system call before run() leaves it behind.
inline constexpr TimeNs kStopGraceNs = 2 * kNsPerSec;

// epoll data of the monitor's and the idle workers' own fds; in io_epoll_fd
// every value is a FiberTask*.
inline constexpr u64 kEpollKick = 1, kEpollTimer = 2, kEpollIo = 3;

// One entry of the monitor's timer heap.
struct TimerEntry {
  enum Kind : u8 { sleep, policy, class_step, event_timeout };
  TimeNs at = 0;
  Kind kind = sleep;
  u32 slot = 0;        // policy: timers index; class_step: the step
  u64 gen = 0;         // sleep, event_timeout and policy: valid while it matches
  FiberTask* fiber = nullptr;
  bool operator>(const TimerEntry& o) const { return at > o.at; }
};

struct Impl final : CoreHooks, host::ClassHostHooks, policy::UserSpaceHost {
  RuntimeOptions opts;
  CoreLock core_mu;
  std::unique_ptr<Core> core;
  std::unique_ptr<host::ClassHost> host;
  std::vector<std::unique_ptr<Worker>> workers;
  std::vector<std::unique_ptr<FiberTask>> fibers;  // (L) every task spawned, by spawn order
  TimeNs epoch = 0;  // CLOCK_MONOTONIC at create()

  // Monitor (L unless atomic).
  std::thread monitor;
  int epoll_fd = -1, monitor_kick_fd = -1, timer_fd = -1;
  // The fibers' fds (EPOLLONESHOT). Idle workers sleep on it (nested in
  // their idle_epoll) and harvest it, so a ready fd reaches a fiber without
  // a thread hop; the monitor harvests it at its ticks, for when no worker
  // is idle.
  int io_epoll_fd = -1;
  std::priority_queue<TimerEntry, std::vector<TimerEntry>, std::greater<>> timers;
  struct PolicyTimer { ClassId cls; u64 id; u64 gen; };
  std::vector<PolicyTimer> policy_timers;
  std::map<std::pair<ClassId, u64>, u32> policy_timer_index;
  TimeNs monitor_deadline = ~TimeNs{0};  // when the monitor wakes next
  bool monitor_nohz = false;             // no CPU busy: no ticks armed
  std::atomic<bool> stop_requested{false};
  bool stopping = false;   // workers leave their loops
  bool started = false, ran = false, loaded = false;
  bool abandoned = false;  // a worker never came back: this Impl is leaked, not freed

  // Counters and the summary's lists (L).
  u64 live = 0;
  RunSummary sum;
  u64 preempt_signals = 0;
  report::LatencyHistogram wake_lat;  // one sample per wakeup (on_switch)
  report::LatencyHistogram slice_overrun;  // a preempted task's switch-out after its slice end
  report::LatencyHistogram slice_overrun_own;  // the same, when Linux did not preempt the worker meanwhile
  // (L) adds t's CPU time and spin time to the summary (at its exit, or
  // at the end of the run for the tasks still live).
  void account_task(const Task& t);
  // (L) one overrun sample, on w's thread.
  void record_overrun(Worker& w, TimeNs overrun);

  Impl() = default;
  TimeNs now() const;
  FiberTask* fiber_of(const Task* p) const { return static_cast<FiberTask*>(p->substrate_data); }

  // CoreHooks (core_mu held).
  void resched_cpu(CpuId cpu) override;
  void arm_timer(ClassId cls, u64 timer_id, TimeNs at) override;
  void cancel_timer(ClassId cls, u64 timer_id) override;
  void on_exit_report(const ExitReport& r) override;
  void on_switch(CpuId cpu, const Task* prev, const Task* next, TimeNs now) override;
  // ClassHostHooks (core_mu held).
  void schedule_class_step(u32 step, TimeNs at) override;
  void class_loaded(const std::string& name, ClassId id) override;
  void class_replaced(const std::string& name, ClassId id, const std::string& label) override;
  policy::UserSpaceHost* user_space_host() override { return this; }
  // UserSpaceHost (core_mu held: the loader runs under it): a fiber of its
  // own runs the half in its policy's class (run_user_half).
  Result<s32> reserve_task(const char* comm) override;
  void run_half(s32 pid, std::unique_ptr<policy::UserSpaceHalf> half) override;
  struct UserHalf {
    FiberTask* f = nullptr;
    std::unique_ptr<policy::UserSpaceHalf> half;
    ClassId cls = kNoClass;  // (L) set when its class loads
  };
  std::vector<std::unique_ptr<UserHalf>> halves;  // (L)
  u64 half_live = 0;  // (L) of live, halves' fibers: the run ends when live == half_live
  // (L) the `now` of the class host's step in progress (a load, a
  // replacement): the hooks it calls use it, since the core's clock must not
  // run ahead of the call that is still to come with that `now`.
  TimeNs class_step_now = 0;
  void run_user_half(UserHalf& h);
  // (L) a task and its fiber, neither attached nor woken.
  Result<FiberTask*> new_fiber_task(std::function<void()> fn, const TaskAttrs& attrs, TimeNs t);

  // (L) a timer for the monitor; wakes it if it is due before its deadline.
  void add_timer(const TimerEntry& e);
  // (L) makes a waiting fiber runnable.
  void wake(FiberTask* f, TimeNs now);
  void attach(FiberTask& f, ClassId id, TimeNs now);
  static void kick(int fd);
  // Sends SIGURG to w's thread if a fiber runs there outside the runtime.
  void signal_worker(Worker& w);

  // (L) wakes the fibers whose fds are ready now (epoll_wait without a
  // timeout): a worker about to idle harvests readiness itself rather than
  // waiting for the monitor's epoll and a kick. True if any woke.
  bool poll_fds(TimeNs now);
  void worker_main(Worker& w);   // worker.cpp
  void monitor_main();           // monitor.cpp
  void run_fiber_body(FiberTask& f);  // worker.cpp: the body around fn
};

// The fiber running on this thread, or null (scheduler, monitor, others).
FiberTask* current_fiber();
void set_current_fiber(FiberTask* f);
Worker* current_worker();
void set_current_worker(Worker* w);

// The fiber side of the lock rule. Taking one marks the fiber in_runtime
// and locks core_mu; `block(kind)` tells the core the task waits and hands
// the CPU back, holding core_mu through the switch; on its return the
// fiber runs again (maybe on another worker). Leaving the section unlocks,
// clears in_runtime, and yields if the core asked for this CPU meanwhile.
class FiberSection {
public:
  // `what` names the call for the message when it is made outside a fiber.
  explicit FiberSection(const char* what);
  ~FiberSection();
  FiberSection(const FiberSection&) = delete;
  FiberSection& operator=(const FiberSection&) = delete;

  FiberTask& self() { return *f_; }
  Impl& rt() { return *f_->rt; }
  Core& core() { return *f_->rt->core; }
  CpuId cpu() const { return f_->worker->cpu; }
  TimeNs now() const { return now_; }
  // The task waits on `on`: block_current, then the switch.
  void block(WaitOn on);
  // yield_current, then the switch.
  void yield();

private:
  void switch_out(void* why);
  FiberTask* f_;
  std::unique_lock<CoreLock> lk_;
  TimeNs now_;
};

// in_runtime's two sides. The SIGURG handler reads it on the fiber's own
// thread, so entering needs only a compiler (signal) fence; leaving is a
// full store because resched_cpu on another thread reads it after setting
// `resched` (signal_worker skips a fiber inside the runtime), and the fiber
// reads `resched` after clearing it: the Dekker pair that keeps a request
// from being missed by both.
inline void enter_runtime(FiberTask& f) {
  f.in_runtime.store(true, std::memory_order_relaxed);
  std::atomic_signal_fence(std::memory_order_seq_cst);
}
// Leaves the runtime (in_runtime was set, core_mu not held), first
// yielding while the core asks for this CPU.
void leave_runtime(FiberTask& f);

// Installs the SIGURG handler and learns libc's code ranges (once).
void install_preempt_handler();
// The worker's slice timer (created on its thread), armed for the current
// task's slice end before each resume; fired early (a later slice began)
// it only makes the scheduler check the slice and resume the same task.
void create_slice_timer(Worker& w);
void delete_slice_timer(Worker& w);
void arm_slice_timer(Worker& w, TimeNs slice_end, TimeNs now);
// Yields if w's core asked for a resched (the fiber side of a missed signal).
void honour_resched();
// (L) A wait_until's deadline came (the monitor's event_timeout timer):
// the fiber leaves the Event's FIFO and wakes with timed_out set.
void expire_event_wait(Impl& rt, FiberTask& f, TimeNs now);

}  // namespace ups::runtime
