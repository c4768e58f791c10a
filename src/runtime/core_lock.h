// CoreLock: the runtime's core lock (runtime_impl.h states the rule it
// serves), a three-state futex mutex (Drepper, "Futexes Are Tricky", mutex
// 2): 0 free, 1 held, 2 held with waiters. Every fiber switch takes and
// releases it once, uncontended on the local worker; pthread_mutex_lock and
// unlock cost about 55 instructions there (type dispatch, lock elision,
// owner bookkeeping), this one a compare-exchange and an exchange inlined.
// A short spin before sleeping: the holder keeps it for a Core call, a few
// hundred nanoseconds, unless Linux takes its CPU away.
// Built from atomics only, so TSan sees its acquire/release as it is.
#pragma once

#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>

namespace ups::runtime {

class CoreLock {
public:
  void lock() {
    int c = 0;
    if (state_.compare_exchange_strong(c, 1, std::memory_order_acquire, std::memory_order_relaxed)) return;
    lock_slow(c);
  }
  bool try_lock() {
    int c = 0;
    return state_.compare_exchange_strong(c, 1, std::memory_order_acquire, std::memory_order_relaxed);
  }
  void unlock() {
    if (state_.exchange(0, std::memory_order_release) == 2) wake_one();
  }

private:
  [[gnu::noinline]] void lock_slow(int c) {
    for (int spin = 0; spin < 100 && c != 2; ++spin) {
      cpu_relax();
      c = state_.load(std::memory_order_relaxed);
      if (c == 0 && state_.compare_exchange_weak(c, 1, std::memory_order_acquire, std::memory_order_relaxed))
        return;
    }
    // From here on the lock is taken as "held with waiters", so that the
    // holder's unlock wakes someone.
    if (c != 2) c = state_.exchange(2, std::memory_order_acquire);
    while (c != 0) {
      ::syscall(SYS_futex, reinterpret_cast<int*>(&state_), FUTEX_WAIT_PRIVATE, 2, nullptr, nullptr, 0);
      c = state_.exchange(2, std::memory_order_acquire);
    }
  }
  [[gnu::noinline]] void wake_one() {
    ::syscall(SYS_futex, reinterpret_cast<int*>(&state_), FUTEX_WAKE_PRIVATE, 1, nullptr, nullptr, 0);
  }
  static void cpu_relax() {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
  }

  std::atomic<int> state_{0};
  static_assert(sizeof(std::atomic<int>) == sizeof(int));
};

}  // namespace ups::runtime
