// What code running in a fiber calls to wait without holding its worker:
// sleep, yield, a mutex and a condition variable whose holders and waiters
// the core knows (the lock-holder kfuncs and `lock_boost` see them), a
// counting event (the core's event waits, so `faas_event` sees them), and
// fd readiness through the monitor's epoll. Each call hands the CPU back to
// Core::schedule when it waits; none blocks the worker thread. Called
// outside a fiber, the waiting calls abort with a message saying so
// (a programming error, like locking a std::mutex twice).
#pragma once

#include <sys/types.h>

#include "base/result.h"
#include "base/types.h"

namespace ups::runtime {

struct FiberTask;  // runtime_impl.h
struct Impl;       // runtime_impl.h

// Whether the caller runs in a runtime fiber.
bool in_fiber();
// The calling fiber's task id (kNoTask outside a fiber).
TaskId current_task();
// The core CPU the calling fiber runs on (kNoCpu outside a fiber).
CpuId current_cpu();
// The runtime's clock (ns since the run's start; CLOCK_MONOTONIC).
TimeNs now();
// Gives the CPU back; the core may pick this task again at once.
void yield();
// A safe point for long loops: yields if the core asked for this CPU
// (slice end, preemption) while a signal could not switch (rarely needed:
// fibers are preempted by signal anyway).
void preempt_point();
void sleep_for(TimeNs d);

class Mutex {
public:
  Mutex() = default;
  Mutex(const Mutex&) = delete;
  Mutex& operator=(const Mutex&) = delete;
  // FIFO handoff: unlock() gives the mutex to the first waiter.
  void lock();
  void unlock();
  u64 id() const { return reinterpret_cast<u64>(this); }  // the core's lock id
};

class CondVar {
public:
  CondVar() = default;
  CondVar(const CondVar&) = delete;
  CondVar& operator=(const CondVar&) = delete;
  // m held by the caller; released while waiting, held again on return.
  void wait(Mutex& m);
  void notify_one();
  void notify_all();
private:
  FiberTask* head_ = nullptr;  // waiters, FIFO (FiberTask::next_waiter)
  FiberTask* tail_ = nullptr;
};

// A counting event: signal() adds a token or wakes the first waiter; wait()
// takes a token or waits. Both from fibers (a thread outside the runtime
// that must wake a fiber writes to a pipe or eventfd the fiber reads).
class Event {
public:
  Event() = default;
  explicit Event(u64 initial_tokens) : tokens_(initial_tokens) {}
  Event(const Event&) = delete;
  Event& operator=(const Event&) = delete;
  void signal();
  void wait();
  // Takes a token, or polls for one while staying runnable, burning the
  // CPU (a function runtime that spin-polls its input): the core sees the
  // task spinning on this event (WaitKind::spinning, sched.events), so a
  // policy such as faas_event may park it, and counts its CPU time
  // meanwhile as wasted (Task::acct.spin_ns, RunSummary::spin_ns). A
  // signal() hands its token to the first waiter, spinning or blocked.
  void spin();
  // wait() and spin() that give up at `deadline` (the runtime's clock, see
  // now()): true if a token was taken, false if the deadline came first.
  // A polling loop that parks between bursts (a guest's or a runtime's
  // poll loop, the workload's poll_recv) is the two in turn.
  bool wait_until(TimeNs deadline);
  bool spin_until(TimeNs deadline);
  u64 id() const { return reinterpret_cast<u64>(this); }  // the core's event id
private:
  // The monitor's timer for a wait_until that expired: takes the fiber
  // out of the FIFO and wakes it (under the runtime's lock).
  friend void expire_event_wait(Impl& rt, FiberTask& f, TimeNs now);
  // Takes f out of the FIFO; false if it was not there.
  bool unlink(FiberTask* f);
  bool take_or_block(const char* what, TimeNs deadline);
  bool spin_or_give_up(const char* what, TimeNs deadline);
  u64 tokens_ = 0;
  FiberTask* head_ = nullptr;  // waiters, FIFO
  FiberTask* tail_ = nullptr;
};

// Waits until fd (non-blocking, pollable: pipe, socket, eventfd) is
// readable / writable. Fails, naming the fd, if epoll refuses it.
Status wait_readable(int fd);
Status wait_writable(int fd);
// read(2)/write(2) on a non-blocking fd that wait instead of returning
// EAGAIN; other errors as the system calls report them (-1, errno).
ssize_t read(int fd, void* buf, size_t n);
ssize_t write(int fd, const void* buf, size_t n);

}  // namespace ups::runtime
