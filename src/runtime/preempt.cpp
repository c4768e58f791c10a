// Slice preemption by signal, as Go's async preemption does it: the monitor
// (or a wakeup on another CPU) sends SIGURG to a worker thread whose fiber
// must give its CPU back, and the handler switches from the interrupted
// fiber to the worker's scheduler context. The interrupted state stays in
// the signal frame on the fiber's stack; resuming the fiber (on any worker)
// returns from the handler and rt_sigreturn restores it.
//
// The switch happens only at a safe point: the fiber is not inside the
// runtime (in_runtime clear: it holds no core lock) and the interrupted
// instruction is not in libc, libstdc++, libgcc or the dynamic loader,
// whose locks (malloc's arenas, stdio) the scheduler's own code takes.
// Otherwise the handler returns and the request stays pending: the fiber
// yields when it next leaves the runtime, and the monitor signals again
// on its next tick. SIGURG is blocked while the handler decides, so a
// second one cannot enter it halfway (nested handlers on a fiber's stack
// broke ASan's frame checks), and unblocked once the fiber is marked in the
// runtime, just before the switch out of the handler: the handler does not
// return until the fiber resumes, and the worker must take signals meanwhile.
//
// Slices end on time through a per-worker POSIX timer (SIGEV_THREAD_ID:
// SIGURG to that worker) armed at the current task's slice end; the same
// handler treats its signal (SI_TIMER) as a request to look at the slice,
// and the scheduler asks the core (Core::check_slice) whether it is over.
#include <link.h>
#include <signal.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>

#include <atomic>
#include <cstring>
#include <mutex>

#include "runtime/runtime_impl.h"

namespace ups::runtime {

namespace {

struct CodeRange {
  uintptr_t lo = 0, hi = 0;
};
constexpr int kMaxRanges = 32;
CodeRange g_unsafe[kMaxRanges];
int g_nr_unsafe = 0;

bool unsafe_object(const char* name) {
  for (const char* lib : {"/libc.so", "/libstdc++.so", "/libgcc_s.so", "/ld-linux", "/libm.so", "/libpthread.so"})
    if (std::strstr(name, lib)) return true;
  return false;
}

int collect_ranges(dl_phdr_info* info, size_t, void*) {
  if (!info->dlpi_name || !unsafe_object(info->dlpi_name)) return 0;
  for (int i = 0; i < info->dlpi_phnum && g_nr_unsafe < kMaxRanges; ++i) {
    const ElfW(Phdr)& ph = info->dlpi_phdr[i];
    if (ph.p_type != PT_LOAD || !(ph.p_flags & PF_X)) continue;
    const uintptr_t lo = info->dlpi_addr + ph.p_vaddr;
    g_unsafe[g_nr_unsafe++] = CodeRange{lo, lo + ph.p_memsz};
  }
  return 0;
}

bool pc_is_safe(const void* uc) {
#if defined(__x86_64__)
  const auto* u = static_cast<const ucontext_t*>(uc);
  const uintptr_t pc = static_cast<uintptr_t>(u->uc_mcontext.gregs[REG_RIP]);
#elif defined(__aarch64__)
  const auto* u = static_cast<const ucontext_t*>(uc);
  const uintptr_t pc = static_cast<uintptr_t>(u->uc_mcontext.pc);
#else
  return false;
#endif
  for (int i = 0; i < g_nr_unsafe; ++i)
    if (pc >= g_unsafe[i].lo && pc < g_unsafe[i].hi) return false;
  return true;
}

void on_sigurg(int, siginfo_t* info, void* uc) {
  const int saved_errno = errno;
  Worker* w = current_worker();
  FiberTask* f = w ? w->sig_target.load(std::memory_order_relaxed) : nullptr;
  // The slice timer: the scheduler is to look at the slice (a request like
  // the core's, so a fiber inside the runtime or libc yields on leaving).
  // Noted even while the scheduler itself runs (no fiber): a timer that
  // fired between its check and the resume would otherwise be taken for
  // armed, and the slice would run on to the monitor's next tick.
  if (w && info && info->si_code == SI_TIMER) {
    w->timer_fired.store(true, std::memory_order_relaxed);
    w->resched.store(true, std::memory_order_relaxed);
  }
  // Not a fiber here (scheduler, another thread), inside the runtime, or in
  // libc: leave the request pending.
  if (f && !f->in_runtime.load() && w->resched.load() && pc_is_safe(uc)) {
    f->in_runtime.store(true);
    w->preemptions.fetch_add(1, std::memory_order_relaxed);
    sigset_t urg;
    sigemptyset(&urg);
    sigaddset(&urg, SIGURG);
    ::pthread_sigmask(SIG_UNBLOCK, &urg, nullptr);
    f->fiber->suspend(kPreempted);
    // Resumed, maybe on another worker, which took care of the lock. A
    // request that came meanwhile (its signal found in_runtime set) is
    // honoured here, as on leaving any runtime call.
    leave_runtime(*f);
  }
  errno = saved_errno;
}

}  // namespace

void create_slice_timer(Worker& w) {
  if (!w.rt->opts.slice_timer) return;
  sigevent sev{};
  sev.sigev_notify = SIGEV_THREAD_ID;
  sev.sigev_signo = SIGURG;
  sev._sigev_un._tid = static_cast<pid_t>(::gettid());  // glibc's sigev_notify_thread_id
  w.has_slice_timer = ::timer_create(CLOCK_MONOTONIC, &sev, &w.slice_timer) == 0;
  if (!w.has_slice_timer) {
    std::lock_guard lk(w.rt->core_mu);
    w.rt->sum.problems.push_back("no slice timer for the worker of CPU " + std::to_string(w.cpu) + ": " +
                                 std::strerror(errno) + "; slices end at ticks");
  }
}

void delete_slice_timer(Worker& w) {
  if (w.has_slice_timer) ::timer_delete(w.slice_timer);
  w.has_slice_timer = false;
}

// The timer_settime, apart so that arm_slice_timer's common case (nothing
// to do) stays a few compares without a stack frame.
[[gnu::noinline]] static void set_slice_timer(Worker& w, TimeNs at) {
  const TimeNs abs = w.rt->epoch + at;
  itimerspec its{};
  its.it_value.tv_sec = static_cast<time_t>(abs / kNsPerSec);
  its.it_value.tv_nsec = static_cast<long>(abs % kNsPerSec);
  if (::timer_settime(w.slice_timer, TIMER_ABSTIME, &its, nullptr) == 0) w.timer_at = at;
}

void arm_slice_timer(Worker& w, TimeNs slice_end, TimeNs now) {
  // No timer, or no slice (an armed one firing costs a check). Or the slice
  // is over and the core let the task go on (nothing better was queued when
  // it looked): a timer now would fire at once, again and again, and take
  // the CPU from the task without any switch coming of it; from here the
  // core's tick (or a wakeup) ends the slice.
  if (!w.has_slice_timer || slice_end == kNoSliceEnd || slice_end <= now) return;
  // Armed to fire between now and the slice end: when it fires the
  // scheduler re-arms it, so one timer_settime per slice, not per switch.
  if (w.timer_at > now && w.timer_at <= slice_end) return;
  set_slice_timer(w, slice_end);
}

void install_preempt_handler() {
  static std::once_flag once;
  std::call_once(once, [] {
    ::dl_iterate_phdr(collect_ranges, nullptr);
    struct sigaction sa {};
    sa.sa_sigaction = on_sigurg;
    sa.sa_flags = SA_SIGINFO | SA_RESTART;
    sigemptyset(&sa.sa_mask);
    ::sigaction(SIGURG, &sa, nullptr);
  });
}

}  // namespace ups::runtime
