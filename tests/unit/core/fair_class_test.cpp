// The built-in fair class: weighted shares, wakeup preemption, affinity.
#include <gtest/gtest.h>

#include "test_driver.h"

namespace ups::test {
namespace {

double share(const Task* t, TimeNs total) { return static_cast<double>(t->acct.run_ns) / total; }

TEST(FairClass, WeightsOneTwoFourOnOneCpu) {
  TestDriver d(1);
  Task* a = d.spawn(Behaviour::hog(), spec("t", 100));
  Task* b = d.spawn(Behaviour::hog(), spec("t", 200));
  Task* c = d.spawn(Behaviour::hog(), spec("t", 400));
  d.run_for(2 * kNsPerSec);
  const TimeNs total = a->acct.run_ns + b->acct.run_ns + c->acct.run_ns;
  EXPECT_NEAR(share(a, total), 1.0 / 7, 0.02);
  EXPECT_NEAR(share(b, total), 2.0 / 7, 0.02);
  EXPECT_NEAR(share(c, total), 4.0 / 7, 0.02);
}

TEST(FairClass, WeightsOneTwoFourOnTwoCpus) {
  TestDriver d(2);
  std::vector<Task*> t;
  for (u32 w : {100u, 200u, 400u, 100u, 200u, 400u}) t.push_back(d.spawn(Behaviour::hog(), spec("t", w)));
  d.run_for(2 * kNsPerSec);
  TimeNs total = 0;
  for (Task* p : t) total += p->acct.run_ns;
  EXPECT_NEAR(share(t[0], total) + share(t[3], total), 1.0 / 7, 0.02);
  EXPECT_NEAR(share(t[1], total) + share(t[4], total), 2.0 / 7, 0.02);
  EXPECT_NEAR(share(t[2], total) + share(t[5], total), 4.0 / 7, 0.02);
  // Both CPUs were busy the whole time.
  EXPECT_GE(total, 2 * 2 * kNsPerSec - 2 * kNsPerMs);
}

TEST(FairClass, WakingSleeperPreemptsAHog) {
  TestDriver d(1);
  d.spawn(Behaviour::hog());
  Task* s = d.spawn(Behaviour::periodic(100 * kNsPerUs, 10 * kNsPerMs));
  d.run_for(kNsPerSec);
  ASSERT_GT(s->acct.wakeups, 50u);
  // Wakeup preemption: the sleeper does not wait for the hog's slice (only
  // its first wakeup, at fork, may wait for the hog's tick).
  EXPECT_LT(s->acct.wakeup_latency_sum / s->acct.wakeups, 100 * kNsPerUs);
}

TEST(FairClass, PinnedTaskRunsOnlyWhereAllowed) {
  TestDriver d(4);
  Task* p = d.spawn(Behaviour::periodic(2 * kNsPerMs, 1 * kNsPerMs), spec("t", 100, CpuMask::first_n(2)));
  for (int i = 0; i < 5; ++i) d.spawn(Behaviour::hog());
  d.run_for(500 * kNsPerMs);
  EXPECT_GT(p->acct.run_ns, 0u);
  EXPECT_TRUE(d.ran_on().at(p->id).subset_of(CpuMask::first_n(2)));
}

TEST(FairClass, FiniteWorkCompletes) {
  TestDriver d(3);
  for (int i = 0; i < 20; ++i) d.spawn(Behaviour::periodic(3 * kNsPerMs, 2 * kNsPerMs, 10));
  d.run_for(kNsPerSec);
  EXPECT_TRUE(d.all_exited());
}

TEST(FairClass, IdleCpuTakesWorkAtOnce) {
  TestDriver d(2);
  Task* a = d.spawn(Behaviour::work(10 * kNsPerMs));
  Task* b = d.spawn(Behaviour::work(10 * kNsPerMs));
  d.run_for(11 * kNsPerMs);
  EXPECT_EQ(a->state, TaskState::exited);
  EXPECT_EQ(b->state, TaskState::exited);
}

// A substrate that times slices (the runtime) learns when the current
// task's slice ends and checks it then, without a tick.
TEST(FairClass, SliceEndIsKnownAndCheckedWithoutATick) {
  TestDriver d(1);
  d.spawn(Behaviour::hog());
  d.spawn(Behaviour::hog());
  d.run_for(kNsPerUs);
  Core& c = d.core();
  ASSERT_NE(c.current(0), nullptr);
  const TimeNs end = c.slice_end(0);
  ASSERT_NE(end, kNoSliceEnd);
  EXPECT_GT(end, d.now());
  EXPECT_LE(end - c.current(0)->acct.exec_start, c.config().fair.base_slice_ns);
  c.check_slice(0, end - 1);
  EXPECT_FALSE(c.need_resched(0));  // a nanosecond left
  c.check_slice(0, end);
  EXPECT_TRUE(c.need_resched(0));   // over, and the other hog waits
}

}  // namespace
}  // namespace ups::test
