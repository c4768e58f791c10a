// Lock holders (core/locks.cpp): FIFO handoff, who holds what and who
// waits, as a policy with sched.locks reads them, and refusals of bad use.
#include <gtest/gtest.h>

#include "core/core.h"
#include "core/scx_constants.h"

namespace ups {
namespace {

class NoHooks final : public CoreHooks {
public:
  void resched_cpu(CpuId) override {}
  void arm_timer(ClassId, u64, TimeNs) override {}
  void cancel_timer(ClassId, u64) override {}
};

constexpr u64 kLock = 7;

// Four tasks, each running on its own CPU.
struct Machine {
  NoHooks hooks;
  Core core{*Topology::make(4), CoreConfig{}, hooks};
  Task* t[4]{};
  Machine() {
    TaskSpec s;
    s.comm = "locker";
    for (int i = 0; i < 4; ++i) {
      t[i] = *core.create_task(s, 0);
      core.wake_up(*t[i], scx::WAKE_FORK, 0);
    }
    for (int c = 0; c < 4; ++c) core.schedule(c, 0);
  }
  // p asks for the lock; a refused one blocks like the substrate makes it.
  bool acquire(Task* p) {
    auto got = core.lock_acquire(*p, kLock, 1);
    EXPECT_TRUE(got) << got.error().to_string();
    if (got && !*got) core.block_current(p->cpu, 1);
    return got && *got;
  }
};

TEST(Locks, WaitersAreHandedTheLockInArrivalOrder) {
  Machine m;
  EXPECT_TRUE(m.acquire(m.t[0]));
  EXPECT_FALSE(m.acquire(m.t[2]));
  EXPECT_FALSE(m.acquire(m.t[1]));
  auto next = m.core.lock_release(*m.t[0], kLock, 2);
  ASSERT_TRUE(next);
  EXPECT_EQ(*next, m.t[2]);
  m.core.wake_up(**next, scx::WAKE_TTWU, 2);
  m.core.schedule(m.t[0]->cpu, 2);
  ASSERT_EQ(m.t[2]->state, TaskState::running);
  next = m.core.lock_release(*m.t[2], kLock, 3);
  ASSERT_TRUE(next);
  EXPECT_EQ(*next, m.t[1]);
}

TEST(Locks, HolderAndWaitersAreKnown) {
  Machine m;
  m.acquire(m.t[0]);
  m.acquire(m.t[1]);
  m.acquire(m.t[2]);
  EXPECT_EQ(m.t[0]->lock.held, 1u);
  EXPECT_EQ(m.t[0]->lock.waiters, 2u);
  EXPECT_EQ(m.t[1]->lock.waiting_for, kLock);
  EXPECT_EQ(m.core.lock_holder_for(*m.t[1]), m.t[0]);
  EXPECT_EQ(m.core.lock_holder_for(*m.t[0]), nullptr);
  // The lock passes to t[1], and with it the one waiter left.
  ASSERT_TRUE(m.core.lock_release(*m.t[0], kLock, 2));
  EXPECT_EQ(m.t[0]->lock.held, 0u);
  EXPECT_EQ(m.t[0]->lock.waiters, 0u);
  EXPECT_EQ(m.t[1]->lock.waiting_for, 0u);
  EXPECT_EQ(m.t[1]->lock.waiters, 1u);
  EXPECT_EQ(m.core.lock_holder_for(*m.t[2]), m.t[1]);
}

TEST(Locks, ReleasingALockNotHeldIsRefused) {
  Machine m;
  m.acquire(m.t[0]);
  auto r = m.core.lock_release(*m.t[1], kLock, 1);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("releases lock 7, which it does not hold"), std::string::npos)
      << r.error().message;
  EXPECT_FALSE(m.core.lock_release(*m.t[1], 99, 1));  // never taken
}

TEST(Locks, TakingALockTwiceIsRefused) {
  Machine m;
  m.acquire(m.t[0]);
  auto r = m.core.lock_acquire(*m.t[0], kLock, 1);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("holds already"), std::string::npos) << r.error().message;
  EXPECT_FALSE(m.core.lock_acquire(*m.t[1], 0, 1));  // id 0 is no lock
}

}  // namespace
}  // namespace ups
