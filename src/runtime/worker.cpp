// A worker's scheduler loop (one per CPU, on its own pinned thread) and the
// fiber side of the switch protocol (FiberSection); runtime_impl.h states
// the lock rule both follow.
#include <sched.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <unistd.h>

#include <exception>

#include <fmt/format.h>

#include "runtime/runtime_impl.h"

namespace ups::runtime {

namespace {

thread_local FiberTask* tl_fiber = nullptr;
thread_local Worker* tl_worker = nullptr;

}  // namespace

// Not inlined, and opaque to the optimiser, so that a fiber that moved to
// another worker thread reads this thread's values, not a cached address.
[[gnu::noinline]] FiberTask* current_fiber() {
  asm volatile("" ::: "memory");
  return tl_fiber;
}
[[gnu::noinline]] void set_current_fiber(FiberTask* f) {
  asm volatile("" ::: "memory");
  tl_fiber = f;
}
[[gnu::noinline]] Worker* current_worker() {
  asm volatile("" ::: "memory");
  return tl_worker;
}
[[gnu::noinline]] void set_current_worker(Worker* w) {
  asm volatile("" ::: "memory");
  tl_worker = w;
}

void Impl::worker_main(Worker& w) {
  set_current_worker(&w);
  w.tid.store(static_cast<int>(::gettid()));
  if (w.os_cpu >= 0 && w.os_cpu < CPU_SETSIZE) {
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(w.os_cpu, &set);
    if (::sched_setaffinity(0, sizeof set, &set) != 0) {
      std::lock_guard lk(core_mu);
      sum.problems.push_back(fmt::format("worker of CPU {} runs unpinned: OS CPU {} is not available",
                                         w.cpu, w.os_cpu));
    }
  }
  create_slice_timer(w);
  std::unique_lock lk(core_mu);
  // The fiber that came back still runnable and current (preempted, or
  // leaving the runtime on a request): the core decides whether it goes on.
  FiberTask* back = nullptr;
  while (!stopping) {
    w.resched.store(false, std::memory_order_relaxed);  // under core_mu, as every setter
    const TimeNs t = w.handoff_now ? w.handoff_now : now();
    w.handoff_now = 0;
    // It fired (its signal was seen), or is about to: re-armed before the
    // next resume. (A one-shot timer fires once per arming, so the flag
    // cannot be set again between its load and its store.)
    if (w.timer_fired.load(std::memory_order_relaxed)) {
      w.timer_fired.store(false, std::memory_order_relaxed);
      w.timer_at = 0;
    }
    if (w.timer_at != 0 && w.timer_at <= t) w.timer_at = 0;
    Task* next = nullptr;
    if (back && back->task && core->current(w.cpu) == back->task) {
      if (w.slice_end <= t) core->check_slice(w.cpu, t);
      if (!core->need_resched(w.cpu)) next = back->task;  // the slice timer fired early
    }
    if (!next) {
      if (back && w.slice_end <= t) record_overrun(w, t - w.slice_end);
      next = core->schedule(w.cpu, t);
    }
    back = nullptr;
    if (!next && poll_fds(t)) continue;  // a fiber's fd became ready meanwhile
    // schedule() itself asked for this CPU again (the hook on the worker's
    // own thread only sets the flag): a task put back on this CPU's local
    // DSQ after the pick (SCX_ENQ_LAST), a dispatch loop's self-kick. Idling
    // now would leave that task queued with no one to run it.
    if (!next && (w.resched.load(std::memory_order_relaxed) || core->need_resched(w.cpu))) continue;
    if (!next) {
      w.idle = true;
      lk.unlock();
      epoll_event evs[2];
      const int n = ::epoll_wait(w.idle_epoll, evs, 2, -1);  // until kicked, or an fd is ready
      for (int i = 0; i < n; ++i)
        if (evs[i].data.u64 == kEpollKick) {
          u64 v = 0;
          [[maybe_unused]] ssize_t r = ::read(w.kick_fd, &v, sizeof v);
        }
      lk.lock();
      w.idle = false;
      continue;
    }
    FiberTask* f = fiber_of(next);
    if (monitor_nohz) {  // the monitor ticks only while a CPU is busy
      monitor_nohz = false;
      kick(monitor_kick_fd);
    }
    if (f != w.last) ++sum.switches;
    w.last = f;
    ++w.resumes;
    w.running = f;
    f->worker = &w;
    set_current_fiber(f);
    w.slice_end = core->slice_end(w.cpu);
    arm_slice_timer(w, w.slice_end, t);
    w.sig_target.store(f, std::memory_order_relaxed);  // only this thread's handler reads it
    std::atomic_signal_fence(std::memory_order_seq_cst);
    lk.unlock();
    void* why = f->fiber->resume(nullptr);
    // Back on the scheduler's stack: the lock comes with every reason but a
    // preemption (runtime_impl.h).
    w.sig_target.store(nullptr, std::memory_order_relaxed);
    std::atomic_signal_fence(std::memory_order_seq_cst);
    set_current_fiber(nullptr);
    if (why == kPreempted) lk.lock();
    else lk = std::unique_lock(core_mu, std::adopt_lock);
    w.running = nullptr;
    if (why == kPreempted || why == kYielded) back = f;
    if (why == Fiber::kFinished) {
      delete f->fiber;
      f->fiber = nullptr;
      --live;
      ++sum.completed;
      if (live == half_live) kick(monitor_kick_fd);  // the run is over (only user-space halves left)
    }
  }
  w.exited = true;
  delete_slice_timer(w);
}

// Linux may take the worker's CPU for milliseconds on a loaded machine (or
// deschedule the thread holding core_mu, which the worker then waits for),
// and no user-level runtime can end a slice then; samples taken after the
// worker's thread was switched out by Linux (getrusage, once per slice)
// are kept apart, so the runtime's own precision stays visible.
void Impl::record_overrun(Worker& w, TimeNs overrun) {
  slice_overrun.record(overrun);
  rusage ru{};
  if (::getrusage(RUSAGE_THREAD, &ru) != 0) return;
  const long switches = ru.ru_nivcsw + ru.ru_nvcsw;
  if (switches == w.os_switches_seen) slice_overrun_own.record(overrun);
  w.os_switches_seen = switches;
}

void Impl::run_fiber_body(FiberTask& f) {
  // A new fiber starts inside the runtime: its scheduler released the lock.
  leave_runtime(f);
  try {
    f.fn();
  } catch (const std::exception& e) {
    FiberSection s("task exit");
    sum.problems.push_back(fmt::format("task {} '{}' ended by an exception: {}", f.id, f.name, e.what()));
  } catch (...) {
    FiberSection s("task exit");
    sum.problems.push_back(fmt::format("task {} '{}' ended by an exception", f.id, f.name));
  }
  f.fn = nullptr;
  // Exit: the lock is held through the return into Fiber::entry and the
  // switch it makes (kFinished), as for any other switch out.
  enter_runtime(f);
  std::unique_lock lk(core_mu);
  const TimeNs t = now();
  for (u64 id : f.held_locks) {
    sum.problems.push_back(fmt::format("task {} '{}' exited holding mutex {:#x}; released for it", f.id, f.name, id));
    if (auto next = core->lock_release(*f.task, id, t); next && *next) wake(fiber_of(*next), t);
  }
  f.held_locks.clear();
  core->exit_current(f.worker->cpu, t);
  account_task(*f.task);
  f.worker->handoff_now = t;
  f.task = nullptr;  // the core may free it now
  lk.release();  // the switch to the scheduler follows (kFinished)
}

// --- FiberSection ------------------------------------------------------------------

FiberSection::FiberSection(const char* what) : f_(current_fiber()) {
  if (!f_) {
    fmt::print(stderr, "upsched runtime: {} called outside a runtime fiber\n", what);
    std::abort();
  }
  enter_runtime(*f_);
  lk_ = std::unique_lock(f_->rt->core_mu);
  now_ = f_->rt->now();
}

FiberSection::~FiberSection() {
  if (lk_.owns_lock()) lk_.unlock();
  leave_runtime(*f_);
}

void FiberSection::switch_out(void* why) {
  f_->worker->handoff_now = now_;  // the core's last entry was at now_
  lk_.release();  // the scheduler owns it now
  f_->fiber->suspend(why);
  // Running again, maybe on another worker; the lock is not held.
}

void FiberSection::block(WaitOn on) {
  f_->wait = on;
  core().block_current(cpu(), now_);
  switch_out(kBlocked);
}

void FiberSection::yield() {
  core().yield_current(cpu(), now_);
  switch_out(kYieldCall);  // the core wants schedule(): no need to ask it again
}

void leave_runtime(FiberTask& f) {
  for (;;) {
    // in_runtime pins the fiber to f.worker while it looks.
    while (f.worker->resched.load(std::memory_order_relaxed)) {
      std::unique_lock lk(f.rt->core_mu);
      lk.release();
      f.fiber->suspend(kYielded);  // the scheduler calls schedule(): maybe this task again
    }
    std::atomic_signal_fence(std::memory_order_seq_cst);
    f.in_runtime.store(false);  // seq_cst: before the second look (runtime_impl.h)
    // A request that came between the look and the store found in_runtime
    // set and sent no signal; it is seen here. (A preemption in between
    // leaves a stale f.worker: one more, harmless, round.)
    if (!f.worker->resched.load()) return;
    enter_runtime(f);
  }
}

void honour_resched() {
  FiberTask* f = current_fiber();
  if (!f) return;
  enter_runtime(*f);
  leave_runtime(*f);
}

}  // namespace ups::runtime
