// The fiber-side waits of sync.h, each a FiberSection (runtime_impl.h):
// tell the core, hand the CPU back, and be woken by whoever ends the wait
// (another fiber, the monitor's timers or epoll, any thread's signal()).
#include "runtime/sync.h"

#include <sys/epoll.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include <fmt/format.h>

#include "runtime/runtime_impl.h"

namespace ups::runtime {

namespace {

[[noreturn]] void misuse(const std::string& what) {
  fmt::print(stderr, "upsched runtime: {}\n", what);
  std::abort();
}

void push_waiter(FiberTask*& head, FiberTask*& tail, FiberTask* f) {
  f->next_waiter = nullptr;
  if (tail) tail->next_waiter = f;
  else head = f;
  tail = f;
}

FiberTask* pop_waiter(FiberTask*& head, FiberTask*& tail) {
  FiberTask* f = head;
  if (!f) return nullptr;
  head = f->next_waiter;
  if (!head) tail = nullptr;
  f->next_waiter = nullptr;
  return f;
}

// Releases mutex `id` held by the section's task; the next holder (the
// core chose it, FIFO) is woken.
void release_lock(FiberSection& s, u64 id) {
  auto next = s.core().lock_release(*s.self().task, id, s.now());
  if (!next) misuse("Mutex::unlock: " + next.error().message);
  auto& held = s.self().held_locks;
  held.erase(std::find(held.begin(), held.end(), id));
  if (*next) {
    FiberTask* n = s.rt().fiber_of(*next);
    n->held_locks.push_back(id);
    s.rt().wake(n, s.now());
  }
}

void cpu_relax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#else
  asm volatile("" ::: "memory");
#endif
}

}  // namespace

bool in_fiber() { return current_fiber() != nullptr; }

TaskId current_task() {
  FiberTask* f = current_fiber();
  return f ? f->id : kNoTask;
}

CpuId current_cpu() {
  FiberTask* f = current_fiber();
  if (!f) return kNoCpu;
  enter_runtime(*f);  // no migration between the two reads
  const CpuId c = f->worker->cpu;
  leave_runtime(*f);
  return c;
}

TimeNs now() {
  FiberTask* f = current_fiber();
  if (!f) misuse("runtime::now called outside a runtime fiber");
  return f->rt->now();
}

void yield() {
  FiberSection s("yield");
  s.yield();
}

void preempt_point() {
  if (current_fiber()) honour_resched();
}

void sleep_for(TimeNs d) {
  FiberSection s("sleep_for");
  FiberTask& f = s.self();
  TimerEntry e;
  e.at = s.now() + d;
  e.kind = TimerEntry::sleep;
  e.fiber = &f;
  e.gen = ++f.wait_gen;
  s.rt().add_timer(e);
  s.block(WaitOn::sleep);
}

// --- Mutex --------------------------------------------------------------------------

void Mutex::lock() {
  FiberSection s("Mutex::lock");
  auto got = s.core().lock_acquire(*s.self().task, id(), s.now());
  if (!got) misuse("Mutex::lock: " + got.error().message);
  if (*got) {
    s.self().held_locks.push_back(id());
    return;
  }
  s.block(WaitOn::mutex);  // unlock() handed it over before waking us
}

void Mutex::unlock() {
  FiberSection s("Mutex::unlock");
  release_lock(s, id());
}

// --- CondVar ------------------------------------------------------------------------

void CondVar::wait(Mutex& m) {
  {
    FiberSection s("CondVar::wait");
    release_lock(s, m.id());
    push_waiter(head_, tail_, &s.self());
    s.block(WaitOn::condvar);
  }
  m.lock();
}

void CondVar::notify_one() {
  FiberSection s("CondVar::notify_one");
  if (FiberTask* f = pop_waiter(head_, tail_)) s.rt().wake(f, s.now());
}

void CondVar::notify_all() {
  FiberSection s("CondVar::notify_all");
  while (FiberTask* f = pop_waiter(head_, tail_)) s.rt().wake(f, s.now());
}

// --- Event --------------------------------------------------------------------------

namespace {

constexpr TimeNs kNoDeadline = ~TimeNs{0};

// f stops spinning on event `id` (its token came, or its deadline): its
// poll up to now is charged as spin time (the core counts spin_ns at its
// accounting points) before it stops waiting.
void stop_spinning(FiberSection& s, FiberTask& f) {
  f.spinning = false;
  if (f.task->state == TaskState::running) s.core().check_slice(f.task->cpu, s.now());
  s.core().set_task_wait(*f.task, WaitKind::none, 0, s.now());
}

}  // namespace

bool Event::unlink(FiberTask* f) {
  FiberTask* prev = nullptr;
  for (FiberTask* w = head_; w; prev = w, w = w->next_waiter) {
    if (w != f) continue;
    (prev ? prev->next_waiter : head_) = w->next_waiter;
    if (tail_ == w) tail_ = prev;
    w->next_waiter = nullptr;
    return true;
  }
  return false;
}

void expire_event_wait(Impl& rt, FiberTask& f, TimeNs now) {
  if (!f.timed_event || !f.timed_event->unlink(&f)) return;  // signal() got there first
  f.timed_out = true;
  rt.core->set_task_wait(*f.task, WaitKind::none, 0, now);
  rt.wake(&f, now);
}

bool Event::take_or_block(const char* what, TimeNs deadline) {
  FiberSection s(what);
  if (tokens_ > 0) {
    --tokens_;
    return true;
  }
  if (deadline <= s.now()) return false;
  FiberTask& f = s.self();
  push_waiter(head_, tail_, &f);
  s.core().set_task_wait(*f.task, WaitKind::blocked, id(), s.now());
  f.timed_out = false;
  if (deadline != kNoDeadline) {
    f.timed_event = this;
    TimerEntry e;
    e.at = deadline;
    e.kind = TimerEntry::event_timeout;
    e.fiber = &f;
    e.gen = ++f.wait_gen;
    s.rt().add_timer(e);
  }
  s.block(WaitOn::event);
  // Woken by signal() (which handed over the token) or by the timer.
  f.timed_event = nullptr;
  return !f.timed_out;
}

void Event::wait() { (void)take_or_block("Event::wait", kNoDeadline); }
bool Event::wait_until(TimeNs deadline) { return take_or_block("Event::wait_until", deadline); }

bool Event::spin_or_give_up(const char* what, TimeNs deadline) {
  FiberTask* me = nullptr;
  {
    FiberSection s(what);
    if (tokens_ > 0) {
      --tokens_;
      return true;
    }
    if (deadline <= s.now()) return false;
    me = &s.self();
    me->spinning = true;
    me->spin_granted.store(false, std::memory_order_relaxed);
    push_waiter(head_, tail_, me);
    s.core().set_task_wait(*me->task, WaitKind::spinning, id(), s.now());
  }
  // A real poll: the fiber stays runnable and loops until signal() hands
  // it the token. Preemption (the slice timer, a policy parking it) takes
  // the CPU away by signal as from any computing fiber; the safe point
  // covers a runtime where signals are deferred (TSan).
  while (!me->spin_granted.load(std::memory_order_acquire)) {
    for (int i = 0; i < 64; ++i) cpu_relax();
    preempt_point();
    if (deadline != kNoDeadline && me->rt->now() >= deadline) {
      FiberSection s(what);
      if (me->spin_granted.load(std::memory_order_acquire)) return true;  // signal() came meanwhile
      unlink(me);
      stop_spinning(s, *me);
      return false;
    }
  }
  return true;
}

void Event::spin() { (void)spin_or_give_up("Event::spin", kNoDeadline); }
bool Event::spin_until(TimeNs deadline) { return spin_or_give_up("Event::spin_until", deadline); }

void Event::signal() {
  FiberSection s("Event::signal");
  FiberTask* f = pop_waiter(head_, tail_);
  if (!f) {
    ++tokens_;
    return;
  }
  const bool was_spinning = f->spinning;
  if (was_spinning) stop_spinning(s, *f);  // it is runnable, maybe on a CPU now
  else s.core().set_task_wait(*f->task, WaitKind::none, 0, s.now());
  s.core().signal_event(id(), s.now());
  if (was_spinning) f->spin_granted.store(true, std::memory_order_release);  // runnable: no wakeup
  else s.rt().wake(f, s.now());
}

// --- fds ----------------------------------------------------------------------------

namespace {

Status wait_fd(int fd, u32 events, const char* what) {
  FiberSection s(what);
  epoll_event ev{};
  ev.events = events | EPOLLONESHOT;
  ev.data.ptr = &s.self();
  // The fd stays registered after a wait (EPOLLONESHOT disarms it when it
  // fires, and closing it removes it), so a repeated wait re-arms it with
  // one call; the first is an add.
  const int epfd = s.rt().io_epoll_fd;
  if (::epoll_ctl(epfd, EPOLL_CTL_MOD, fd, &ev) != 0 &&
      (errno != ENOENT || ::epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev) != 0))
    return make_error(ErrorKind::invalid_argument,
                      fmt::format("{}({}): epoll refuses the fd: {}", what, fd, std::strerror(errno)));
  s.block(WaitOn::fd);
  return {};
}

}  // namespace

Status wait_readable(int fd) { return wait_fd(fd, EPOLLIN, "wait_readable"); }
Status wait_writable(int fd) { return wait_fd(fd, EPOLLOUT, "wait_writable"); }

ssize_t read(int fd, void* buf, size_t n) {
  for (;;) {
    const ssize_t r = ::read(fd, buf, n);
    if (r >= 0 || errno != EAGAIN) return r;
    if (!wait_readable(fd)) return -1;  // errno from epoll_ctl
  }
}

ssize_t write(int fd, const void* buf, size_t n) {
  for (;;) {
    const ssize_t r = ::write(fd, buf, n);
    if (r >= 0 || errno != EAGAIN) return r;
    if (!wait_writable(fd)) return -1;
  }
}

}  // namespace ups::runtime
