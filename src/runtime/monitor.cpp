// The monitor thread: the runtime's real time. It fires the timer heap
// (sleeps, policy timers, scenario steps), ticks every busy CPU each
// tick_ns (ops.tick, slice accounting; a slice that ends makes the core
// ask for a resched, which becomes a SIGURG), repeats a signal a worker did
// not act on, runs the watchdog, wakes fibers whose fd became ready (at
// its ticks: idle workers harvest the fibers' fds themselves, poll_fds),
// and notices a worker whose fiber blocks it in a system call. It sleeps
// on epoll (its kick eventfd, a timerfd) and ticks only while a CPU is
// busy, so an idle runtime costs no CPU.
#include <sys/epoll.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <ctime>

#include <fmt/format.h>

#include "runtime/runtime_impl.h"

namespace ups::runtime {

namespace {

TimeNs thread_cpu_ns(clockid_t clk) {
  timespec ts{};
  if (::clock_gettime(clk, &ts) != 0) return 0;
  return static_cast<TimeNs>(ts.tv_sec) * kNsPerSec + static_cast<TimeNs>(ts.tv_nsec);
}

// Whether Linux thread `tid` of this process sleeps in the kernel (state S
// or D in /proc), rather than waiting for a CPU (R) on a loaded machine.
bool sleeps_in_kernel(int tid) {
  char path[64];
  std::snprintf(path, sizeof path, "/proc/self/task/%d/stat", tid);
  FILE* f = std::fopen(path, "r");
  if (!f) return false;
  char buf[512];
  const size_t n = std::fread(buf, 1, sizeof buf - 1, f);
  std::fclose(f);
  buf[n] = 0;
  const char* paren = std::strrchr(buf, ')');  // comm may hold spaces
  return paren && paren[1] == ' ' && (paren[2] == 'S' || paren[2] == 'D');
}

void drain(int fd) {
  u64 v = 0;
  while (::read(fd, &v, sizeof v) > 0) {
  }
}

}  // namespace

bool Impl::poll_fds(TimeNs t) {
  epoll_event evs[16];
  const int n = ::epoll_wait(io_epoll_fd, evs, 16, 0);
  bool woke = false;
  for (int i = 0; i < n; ++i) {
    auto* f = static_cast<FiberTask*>(evs[i].data.ptr);
    if (f->wait != WaitOn::fd) continue;
    wake(f, t);
    woke = true;
  }
  return woke;
}

void Impl::monitor_main() {
  std::unique_lock lk(core_mu);
  TimeNs next_tick = now() + opts.tick_ns;
  TimeNs next_watchdog = now() + std::max<TimeNs>(1, core->watchdog_interval());
  epoll_event evs[64];
  for (;;) {
    const TimeNs t = now();
    // Timers due.
    while (!timers.empty() && timers.top().at <= t) {
      TimerEntry e = timers.top();
      timers.pop();
      switch (e.kind) {
        case TimerEntry::sleep:
          if (e.fiber->wait == WaitOn::sleep && e.fiber->wait_gen == e.gen) wake(e.fiber, t);
          break;
        case TimerEntry::event_timeout:
          if (e.fiber->wait == WaitOn::event && e.fiber->wait_gen == e.gen) expire_event_wait(*this, *e.fiber, t);
          break;
        case TimerEntry::policy: {
          PolicyTimer& pt = policy_timers[e.slot];
          if (pt.gen == e.gen) core->fire_timer(pt.cls, pt.id, t);
          break;
        }
        case TimerEntry::class_step:
          class_step_now = t;
          host->apply_step(e.slot, t);
          break;
      }
    }
    poll_fds(t);
    bool busy = false;
    for (auto& w : workers) busy |= w->running != nullptr;
    if (busy && t >= next_tick) {
      for (auto& wp : workers) {
        Worker& w = *wp;
        if (!w.running) {
          w.check_resumes = ~u64{0};
          continue;
        }
        if (core->current(w.cpu)) core->tick(w.cpu, t);
        // A request the fiber did not act on (the signal came while it was
        // in libc or a system call): again, backing off to every 16 ticks,
        // so that a fiber in a long system call is not showered with signals.
        if (w.resend_resumes != w.resumes) {
          w.resend_resumes = w.resumes;
          w.resend_every = 1;
          w.resend_at = t;
        }
        if (w.resched.load() && t >= w.resend_at) {
          signal_worker(w);
          w.resend_at = t + w.resend_every * opts.tick_ns;
          w.resend_every = std::min<TimeNs>(w.resend_every * 2, 16);
        }
        // A fiber that keeps its worker's thread off the CPU (a blocking
        // system call) uses almost no CPU time over a long wall time.
        const TimeNs cpu = thread_cpu_ns(w.cpu_clock);
        if (w.check_resumes != w.resumes) {
          w.check_resumes = w.resumes;
          w.check_wall = t;
          w.check_cpu = cpu;
          w.reported = false;
        } else if (!w.reported && t - w.check_wall >= opts.blocking_report_ns) {
          // Under 5% of the wall time as CPU time, and asleep in the kernel
          // now (not merely waiting for a CPU on a loaded machine).
          if ((cpu - w.check_cpu) * 20 < t - w.check_wall && sleeps_in_kernel(w.tid.load())) {
            FiberTask* f = w.running;
            sum.blocking.push_back(fmt::format(
                "task {} '{}' blocked the worker of CPU {} in a system call for over {} ms "
                "(use the runtime's waits: sleep_for, read/write, Mutex)",
                f->id, f->name, w.cpu, (t - w.check_wall) / kNsPerMs));
            w.reported = true;
          } else {
            w.check_wall = t;
            w.check_cpu = cpu;
          }
        }
      }
      next_tick = t + opts.tick_ns;
    }
    if (t >= next_watchdog) {
      core->check_watchdog(t);
      next_watchdog = t + std::max<TimeNs>(1, core->watchdog_interval());
    }
    if (live == half_live || stop_requested.load()) break;

    // Sleep until the next thing to do.
    TimeNs deadline = next_watchdog;
    if (!timers.empty()) deadline = std::min(deadline, timers.top().at);
    if (busy) deadline = std::min(deadline, next_tick);
    monitor_nohz = !busy;
    monitor_deadline = deadline;
    itimerspec its{};
    const TimeNs abs = epoch + std::max<TimeNs>(deadline, 1);
    its.it_value.tv_sec = static_cast<time_t>(abs / kNsPerSec);
    its.it_value.tv_nsec = static_cast<long>(abs % kNsPerSec);
    ::timerfd_settime(timer_fd, TFD_TIMER_ABSTIME, &its, nullptr);
    lk.unlock();
    const int n = ::epoll_wait(epoll_fd, evs, 64, -1);
    lk.lock();
    monitor_deadline = 0;  // awake: a new timer needs no kick
    monitor_nohz = false;
    if (!busy) next_tick = now() + opts.tick_ns;  // ticks start over when a CPU gets busy
    for (int i = 0; i < n; ++i) {
      const u64 tag = evs[i].data.u64;
      if (tag == kEpollKick) drain(monitor_kick_fd);
      else if (tag == kEpollTimer) drain(timer_fd);
    }
  }
  // The end: workers leave their loops; a busy one is made to switch, again
  // each millisecond while its fiber is where a signal cannot switch (a
  // system call), for at most kStopGraceNs; run() reports one still stuck.
  stopping = true;
  for (auto& w : workers) kick(w->kick_fd);
  const TimeNs give_up = now() + kStopGraceNs;
  for (;;) {
    bool all_out = true;
    for (auto& w : workers) {
      if (w->exited) continue;
      all_out = false;
      w->resched.store(true);
      signal_worker(*w);
    }
    if (all_out || now() >= give_up) break;
    lk.unlock();
    ::usleep(1000);
    lk.lock();
  }
}

}  // namespace ups::runtime
